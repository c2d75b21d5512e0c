-- The reporting period every gold table shares, as one row: from the earliest date seen in
-- valid events, subscription starts and spend rows, to the latest, or to var('as_of_date')
-- when it is set (doc block `reporting_calendar`).

with

events as (
    select * from {{ ref('int_events_deduplicated') }}
),

subscriptions as (
    select * from {{ ref('int_subscriptions_deduplicated') }}
),

marketing_spend as (
    select * from {{ ref('int_marketing_spend_summed_daily') }}
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
        ) as as_of_date
    from data_dates
),

final as (
    select
        first_date,
        -- an as-of day before every date of the data would leave every gold table empty
        case
            when as_of_date < first_date
                then {{ raise_error(
                        "concat('var as_of_date (', cast(as_of_date as string), ') is before"
                        ~ " the first date of the data (', cast(first_date as string),"
                        ~ " '): every gold table would be empty')"
                    ) }}
            else as_of_date
        end as as_of_date,
        cast(date_trunc('month', first_date) as date) as first_month,
        cast(date_trunc('month', as_of_date) as date) as as_of_month,
        -- ISO weeks start on Monday
        cast(date_trunc('week', as_of_date) as date) as as_of_week
    from bounds
)

select * from final
