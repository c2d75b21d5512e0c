{{ config(materialized='table') }}

-- Spend, paid conversions and the lifetime value of those converters per channel over the
-- whole calendar, unrounded, plus the blended `all` row (DESIGN.md, "Acquisition"). Every
-- canonical channel has a row, whether it spent, converted, both or neither.

with

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

marketing_spend as (
    select * from {{ ref('int_marketing_spend_daily') }}
),

user_ltv as (
    select * from {{ ref('int_user_ltv') }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

calendar_bounds as (
    select
        min(date_day) as first_date,
        max(date_day) as last_date
    from calendar
),

spend_by_channel as (
    select
        marketing_spend.channel,
        sum(marketing_spend.spend_usd) as spend_usd
    from marketing_spend
    cross join calendar_bounds
    where
        marketing_spend.spend_date
        between calendar_bounds.first_date and calendar_bounds.last_date
    group by marketing_spend.channel
),

-- paid converters are signed-up users whose first purchase, trial conversion or subscription
-- start happened by the as-of day
converters_by_channel as (
    select
        channel,
        count(*) as paid_conversions,
        sum(ltv_usd) as converters_ltv_usd
    from user_ltv
    where is_paid_converter
    group by channel
),

channels as (
    select channel from channel_aliases
    union
    select channel from spend_by_channel
    union
    select channel from converters_by_channel
),

per_channel as (
    select
        channels.channel,
        false as is_blended,
        coalesce(spend_by_channel.spend_usd, 0) as spend_usd,
        coalesce(converters_by_channel.paid_conversions, 0) as paid_conversions,
        coalesce(converters_by_channel.converters_ltv_usd, 0) as converters_ltv_usd
    from channels
    left join spend_by_channel
        on channels.channel = spend_by_channel.channel
    left join converters_by_channel
        on channels.channel = converters_by_channel.channel
),

blended as (
    select
        'all' as channel,
        true as is_blended,
        sum(spend_usd) as spend_usd,
        sum(paid_conversions) as paid_conversions,
        sum(converters_ltv_usd) as converters_ltv_usd
    from per_channel
),

unioned as (
    select * from per_channel
    union all
    select * from blended
),

final as (
    select
        channel,
        is_blended,
        cast(spend_usd as decimal(38, 10)) as spend_usd,
        cast(paid_conversions as bigint) as paid_conversions,
        cast(converters_ltv_usd as decimal(38, 10)) as converters_ltv_usd,
        -- no conversions: no cost per conversion to report
        spend_usd / nullif(paid_conversions, 0) as cac_usd,
        converters_ltv_usd / nullif(paid_conversions, 0) as avg_ltv_usd
    from unioned
)

select * from final
