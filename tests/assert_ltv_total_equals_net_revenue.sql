-- The sum of ltv_per_user equals total net revenue in daily_revenue_net: both cover the same
-- purchases and refunds up to the as-of day. Each published amount is rounded to cents from
-- its exact total, so the sums may differ by at most half a cent per non-zero rounded amount.
with

ltv_per_user as (
    select * from {{ ref('ltv_per_user') }}
),

daily_revenue_net as (
    select * from {{ ref('daily_revenue_net') }}
),

ltv_total as (
    select
        sum(ltv_usd) as total_usd,
        count(*) filter (where gross_revenue_usd <> 0) + count(*) filter (where refunds_usd <> 0)
            as rounded_amounts
    from ltv_per_user
),

net_total as (
    select
        sum(net_revenue_usd) as total_usd,
        count(*) filter (where gross_revenue_usd <> 0) + count(*) filter (where refunds_usd <> 0)
            as rounded_amounts
    from daily_revenue_net
)

select
    ltv_total.total_usd as ltv_total_usd,
    net_total.total_usd as net_revenue_total_usd
from ltv_total
cross join net_total
where abs(ltv_total.total_usd - net_total.total_usd)
    > 0.005 * (ltv_total.rounded_amounts + net_total.rounded_amounts)
