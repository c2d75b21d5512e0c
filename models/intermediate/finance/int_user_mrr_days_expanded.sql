{{ config(materialized='view') }}

-- Each customer's MRR on each day of the calendar, from their plan periods (doc block
-- `customer_mrr_days`, _finance__docs.md): the facts of the semantic layer's `mrr`, which is
-- semi-additive over days. A view: only `mf query` reads it, and expanding periods into days
-- is what mrr_daily avoids at build time.

with

calendar as (
    select * from {{ ref('util_calendar_days') }}
),

plan_periods as (
    select * from {{ ref('int_user_plan_periods_resolved') }}
),

-- a customer's periods never overlap, so one row per customer and day on a plan; a day when
-- nobody has a plan keeps one row at zero, so that every week and month has its last day in
-- the data and MRR by month is read at the month's close, not at an earlier day
customer_days as (
    select
        calendar.date_day,
        plan_periods.user_id,
        plan_periods.subscription_id,
        plan_periods.plan_id,
        coalesce(plan_periods.mrr_usd, 0) as mrr_usd
    from calendar
    left join plan_periods
        on calendar.date_day >= plan_periods.valid_from
            and (plan_periods.valid_to is null or calendar.date_day < plan_periods.valid_to)
),

final as (
    select
        date_day,
        user_id,
        subscription_id,
        plan_id,
        cast(mrr_usd as decimal(38, 10)) as mrr_usd
    from customer_days
)

select * from final
