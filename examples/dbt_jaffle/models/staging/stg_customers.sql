select id as customer_id, name, signup_channel from {{ source('raw', 'customers') }}
