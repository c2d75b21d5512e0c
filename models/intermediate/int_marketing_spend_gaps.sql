{{ config(materialized='table') }}

-- Days without a spend row, per paid channel, between the channel's first and last spend
-- day: gold counts them as zero spend, and this table reports them (DESIGN.md,
-- "Marketing spend").

with

spend_daily as (
    select * from {{ ref('int_marketing_spend_daily') }}
),

channel_ranges as (
    select
        channel,
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date
    from spend_daily
    group by channel
),

channel_days as (
    select
        channel,
        generated_day::date as spend_date
    from channel_ranges,
        generate_series(
            first_spend_date::timestamp,
            last_spend_date::timestamp,
            interval 1 day
        ) as series (generated_day)
),

final as (
    select
        channel_days.channel,
        channel_days.spend_date as missing_date
    from channel_days
    left join spend_daily
        on
            channel_days.channel = spend_daily.channel
            and channel_days.spend_date = spend_daily.spend_date
    where spend_daily.spend_date is null
)

select * from final
