-- mrr_monthly reads MRR per customer at month closes, mrr_daily sums plan periods day by day:
-- two computations of the same figure, which must agree on every month close.
with

mrr_monthly as (
    select * from {{ ref('mrr_monthly') }}
),

mrr_daily as (
    select * from {{ ref('mrr_daily') }}
)

select
    mrr_monthly.month,
    mrr_monthly.mrr_usd as monthly_mrr_usd,
    mrr_daily.mrr_usd as daily_mrr_usd,
    mrr_monthly.active_customers as monthly_active_customers,
    mrr_daily.active_customers as daily_active_customers
from mrr_monthly
left join mrr_daily
    on mrr_monthly.month_close_date = mrr_daily.date
where mrr_daily.date is null
    or mrr_monthly.mrr_usd <> mrr_daily.mrr_usd
    or mrr_monthly.active_customers <> mrr_daily.active_customers
