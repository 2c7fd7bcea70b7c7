select id as order_id, customer_id, amount, status from {{ source('raw', 'orders') }}
