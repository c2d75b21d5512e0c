{{ config(materialized='table') }}

-- The one dense calendar behind every gold table: from the earliest to the latest date seen in
-- valid events, subscription starts and spend rows, or to var('as_of_date') when it is set, so
-- that a rerun on the same data reports the same as-of day (DESIGN.md, "Calendar").

with

events as (
    select * from {{ ref('int_events_deduplicated') }}
),

subscriptions as (
    select * from {{ ref('int_subscriptions_deduplicated') }}
),

marketing_spend as (
    select * from {{ ref('int_marketing_spend_daily') }}
),

data_dates as (
    select
        min(event_date) as first_date,
        max(event_date) as last_date
    from events
    union all
    select
        min(start_date) as first_date,
        max(start_date) as last_date
    from subscriptions
    union all
    select
        min(spend_date) as first_date,
        max(spend_date) as last_date
    from marketing_spend
),

bounds as (
    select
        min(first_date) as first_date,
        -- the var, when set, pins the reporting day whatever arrived later
        coalesce(
            cast(nullif('{{ var("as_of_date") or "" }}', '') as date), max(last_date)
        ) as last_date
    from data_dates
),

days as (
    select cast(unnest(generate_series(first_date, last_date, interval 1 day)) as date) as date_day
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
        days.date_day = least(last_day(days.date_day), bounds.last_date) as is_month_close,
        days.date_day = bounds.last_date as is_as_of_date
    from days
    cross join bounds
)

select * from final
