-- One row per customer: the features the churn model trains on.
select
    c.customer_id,
    c.signup_channel,
    count(o.order_id) as orders,
    coalesce(sum(o.amount), 0) as total_amount,
    sum(case when o.status = 'returned' then 1 else 0 end) as returns
from {{ ref('stg_customers') }} c
left join {{ ref('stg_orders') }} o using (customer_id)
group by 1, 2
