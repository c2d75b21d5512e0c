{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key=['user_id', 'month_start'],
        on_schema_change='fail',
        meta={'recompute_by': 'month_start'},
    )
}}

-- Each customer's MRR at each month close and the movement that explains its change since the
-- previous close (doc block `mrr_movements`, models/marts/_marts__docs.md). One row per
-- customer (user_id) and month where the customer has a plan at the close or had one at the
-- previous close, so churn has a row to live on. Incremental: a run recomputes the months from
-- the first whose close moved (the as-of day moved in the running month, a month closed), the
-- whole table after a subscriptions snapshot (macro changed_months).
{%- do recompute_keys(changed_months('close_date')) %}

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
    -- the months recomputed, and the one before them (their previous close)
    select
        month_start,
        date_day as close_date
    from calendar
    where
        is_month_close
        and {{ recomputed_from('cast(month_start + interval 1 month as date)') }}
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

recomputed_months as (
    -- the month before the recomputed ones was read only for its close
    select
        customer_months.*,
        month_closes.close_date
    from customer_months
    inner join month_closes
        on customer_months.month_start = month_closes.month_start
    where {{ recomputed_from('customer_months.month_start') }}
),

paid_before as (
    -- each customer's first paid close among the months kept from the last build
    {%- if is_incremental() %}
        select
            user_id,
            min(month_start) as first_paid_month
        from {{ this }}
        where mrr_usd > 0 and not ({{ recomputed_from('month_start') }})
        group by user_id
    {%- else %}
        select
            cast(null as string) as user_id,
            cast(null as date) as first_paid_month
        where false
    {%- endif %}
),

-- a customer paying again after a close at zero is a reactivation, unless they never paid at
-- an earlier close, which makes them new
with_first_paid_month as (
    select
        recomputed_months.*,
        least(
            paid_before.first_paid_month,
            min(case when recomputed_months.mrr_usd > 0 then recomputed_months.month_start end)
                over (partition by recomputed_months.user_id)
        ) as first_paid_month
    from recomputed_months
    left join paid_before
        on recomputed_months.user_id = paid_before.user_id
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
        cast(mrr_usd - previous_mrr_usd as decimal(38, 10)) as mrr_change_usd,
        -- the close the row was read at: a later run recomputes the month when it moves
        close_date,
        {{ run_started_instant() }} as computed_at
    from with_first_paid_month
)

select * from final
