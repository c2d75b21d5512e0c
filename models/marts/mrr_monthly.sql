-- MRR at each month close (the month's last day, or the as-of day for the running month) and
-- the customer movements between consecutive closes, which add up to the change
-- (DESIGN.md, "MRR movements"). Churned and contraction amounts are positive.

with

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

customer_months as (
    select * from {{ ref('int_customer_mrr_months') }}
),

months as (
    select
        month_start,
        date_day as month_close_date
    from calendar
    where is_month_close
),

movements_by_month as (
    select
        month_start,
        sum(mrr_usd) filter (where has_plan) as mrr_usd,
        count(*) filter (where has_plan) as active_customers,
        sum(mrr_change_usd) filter (where movement = 'new') as new_mrr_usd,
        sum(mrr_change_usd) filter (where movement = 'expansion') as expansion_mrr_usd,
        sum(-mrr_change_usd) filter (where movement = 'contraction') as contraction_mrr_usd,
        sum(-mrr_change_usd) filter (where movement = 'churned') as churned_mrr_usd,
        sum(mrr_change_usd) filter (where movement = 'reactivation') as reactivation_mrr_usd
    from customer_months
    group by month_start
),

final as (
    select
        -- the column name is fixed by the metric contract
        months.month_start as month,  -- noqa: RF04
        cast(round(coalesce(movements_by_month.mrr_usd, 0), 2) as decimal(18, 2)) as mrr_usd,
        cast(coalesce(movements_by_month.active_customers, 0) as bigint) as active_customers,
        cast(round(coalesce(movements_by_month.new_mrr_usd, 0), 2) as decimal(18, 2))
            as new_mrr_usd,
        cast(round(coalesce(movements_by_month.expansion_mrr_usd, 0), 2) as decimal(18, 2))
            as expansion_mrr_usd,
        cast(round(coalesce(movements_by_month.contraction_mrr_usd, 0), 2) as decimal(18, 2))
            as contraction_mrr_usd,
        cast(round(coalesce(movements_by_month.churned_mrr_usd, 0), 2) as decimal(18, 2))
            as churned_mrr_usd,
        cast(round(coalesce(movements_by_month.reactivation_mrr_usd, 0), 2) as decimal(18, 2))
            as reactivation_mrr_usd,
        months.month_close_date
    from months
    left join movements_by_month
        on months.month_start = movements_by_month.month_start
)

select
    month,
    mrr_usd,
    active_customers,
    new_mrr_usd,
    expansion_mrr_usd,
    contraction_mrr_usd,
    churned_mrr_usd,
    reactivation_mrr_usd,
    month_close_date
from final
order by month
