-- MRR and paying customers on every day of the calendar (doc block `mrr`,
-- models/marts/_marts__docs.md).

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

-- a period adds its price and its customer on its first day and removes them on its end day;
-- a running sum of these changes gives each day's totals without expanding periods into days
period_changes as (
    select
        greatest(plan_periods.valid_from, calendar_bounds.first_date) as change_date,
        plan_periods.mrr_usd as mrr_change_usd,
        1 as customer_change
    from plan_periods
    cross join calendar_bounds

    union all

    select
        greatest(plan_periods.valid_to, calendar_bounds.first_date) as change_date,
        -plan_periods.mrr_usd as mrr_change_usd,
        -1 as customer_change
    from plan_periods
    cross join calendar_bounds
    where plan_periods.valid_to is not null
),

changes_by_day as (
    select
        change_date,
        sum(mrr_change_usd) as mrr_change_usd,
        sum(customer_change) as customer_change
    from period_changes
    group by change_date
),

running_totals as (
    select
        calendar.date_day,
        sum(coalesce(changes_by_day.mrr_change_usd, 0)) over by_day as mrr_usd,
        sum(coalesce(changes_by_day.customer_change, 0)) over by_day as active_customers
    from calendar
    left join changes_by_day
        on calendar.date_day = changes_by_day.change_date
    window by_day as (order by calendar.date_day rows unbounded preceding)
),

final as (
    select
        -- the column name is fixed by the metric contract
        date_day as date,  -- noqa: RF04
        {{ round_to_cents('mrr_usd') }} as mrr_usd,
        cast(active_customers as bigint) as active_customers
    from running_totals
)

select * from final
