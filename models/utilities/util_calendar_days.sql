-- The one dense calendar behind every gold table: a row per UTC day of the reporting period,
-- with the week and month it belongs to (doc block `reporting_calendar`).

with

bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

days as (
    select {{ days_from_to('first_date', 'as_of_date') }} as date_day
    from bounds
),

final as (
    select
        days.date_day,
        -- ISO week (Monday) and calendar month that the day belongs to
        cast(date_trunc('week', days.date_day) as date) as week_start,
        cast(date_trunc('month', days.date_day) as date) as month_start,
        -- the day that closes its month in this calendar: the month's last day, or the as-of
        -- day for the month still running
        days.date_day = least(last_day(days.date_day), bounds.as_of_date) as is_month_close,
        days.date_day = bounds.as_of_date as is_as_of_date
    from days
    cross join bounds
)

select * from final
