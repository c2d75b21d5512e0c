-- Each customer's MRR at each month close and the movement that explains its change since the
-- previous close (doc block `mrr_movements`, models/marts/_marts__docs.md). One row per
-- customer (user_id) and month where the customer has a plan at the close or had one at the
-- previous close, so churn has a row to live on.

with

calendar as (
    select * from {{ ref('util_calendar_days') }}
),

calendar_bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

plan_periods as (
    select * from {{ ref('int_user_plan_periods_resolved') }}
),

month_closes as (
    select
        month_start,
        date_day as close_date
    from calendar
    where is_month_close
),

-- periods never overlap per customer, so at most one plan per customer and close
closing_plans as (
    select
        plan_periods.user_id,
        month_closes.month_start,
        plan_periods.mrr_usd
    from month_closes
    inner join plan_periods
        on month_closes.close_date >= plan_periods.valid_from
            and (plan_periods.valid_to is null or month_closes.close_date < plan_periods.valid_to)
),

-- the same closes seen from the following month
previous_closes as (
    select
        closing_plans.user_id,
        cast(closing_plans.month_start + interval 1 month as date) as month_start,
        closing_plans.mrr_usd
    from closing_plans
    cross join calendar_bounds
    where closing_plans.month_start < calendar_bounds.as_of_month
),

customer_months as (
    select
        coalesce(closing_plans.user_id, previous_closes.user_id) as user_id,
        coalesce(closing_plans.month_start, previous_closes.month_start) as month_start,
        closing_plans.user_id is not null as has_plan,
        coalesce(closing_plans.mrr_usd, 0) as mrr_usd,
        coalesce(previous_closes.mrr_usd, 0) as previous_mrr_usd
    from closing_plans
    full outer join previous_closes
        on closing_plans.user_id = previous_closes.user_id
            and closing_plans.month_start = previous_closes.month_start
),

-- a customer paying again after a close at zero is a reactivation, unless they never paid at
-- an earlier close, which makes them new
with_first_paid_month as (
    select
        *,
        min(case when mrr_usd > 0 then month_start end) over (partition by user_id)
            as first_paid_month
    from customer_months
),

final as (
    select
        user_id,
        month_start,
        has_plan,
        cast(mrr_usd as decimal(38, 10)) as mrr_usd,
        cast(previous_mrr_usd as decimal(38, 10)) as previous_mrr_usd,
        case
            when mrr_usd > 0 and previous_mrr_usd = 0 and month_start = first_paid_month
                then 'new'
            when mrr_usd > 0 and previous_mrr_usd = 0 then 'reactivation'
            when mrr_usd > previous_mrr_usd then 'expansion'
            when mrr_usd = 0 and previous_mrr_usd > 0 then 'churned'
            when mrr_usd < previous_mrr_usd then 'contraction'
            else 'unchanged'
        end as movement,
        cast(mrr_usd - previous_mrr_usd as decimal(38, 10)) as mrr_change_usd
    from with_first_paid_month
)

select * from final
