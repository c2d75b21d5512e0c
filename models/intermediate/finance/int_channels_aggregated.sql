-- The inputs of CAC and LTV:CAC per channel over the reporting period, unrounded: spend, paid
-- conversions, and what those converters bought and had refunded; plus the blended `all`
-- row. Every canonical channel has a row, whether it spent, converted, both or neither.

with

calendar_bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

marketing_spend as (
    select * from {{ ref('int_marketing_spend_summed_daily') }}
),

user_revenue as (
    select * from {{ ref('int_user_revenue_summed') }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

spend_by_channel as (
    select
        marketing_spend.channel,
        sum(marketing_spend.spend_usd) as spend_usd
    from marketing_spend
    cross join calendar_bounds
    where
        marketing_spend.spend_date
        between calendar_bounds.first_date and calendar_bounds.as_of_date
    group by marketing_spend.channel
),

-- paid converters are signed-up users whose first purchase, trial conversion or subscription
-- start happened by the as-of day
converters_by_channel as (
    select
        channel,
        count(*) as paid_conversions,
        sum(gross_revenue_usd) as converters_gross_revenue_usd,
        sum(refunds_usd) as converters_refunds_usd
    from user_revenue
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
        coalesce(converters_by_channel.converters_gross_revenue_usd, 0)
            as converters_gross_revenue_usd,
        coalesce(converters_by_channel.converters_refunds_usd, 0) as converters_refunds_usd
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
        sum(converters_gross_revenue_usd) as converters_gross_revenue_usd,
        sum(converters_refunds_usd) as converters_refunds_usd
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
        cast(converters_gross_revenue_usd as decimal(38, 10)) as converters_gross_revenue_usd,
        cast(converters_refunds_usd as decimal(38, 10)) as converters_refunds_usd
    from unioned
)

select * from final
