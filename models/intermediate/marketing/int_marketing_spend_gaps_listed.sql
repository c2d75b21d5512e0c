-- Days without a spend row for a paid channel, within the days the spend files cover (first
-- to last spend day of any channel): gold counts them as zero spend, and this table reports
-- them (doc block `spend_gaps`).

with

spend_daily as (
    select * from {{ ref('int_marketing_spend_summed_daily') }}
),

spend_bounds as (
    select
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date
    from spend_daily
),

covered_days as (
    -- no spend at all: no bounds, no day
    select {{ days_from_to('first_spend_date', 'last_spend_date') }} as spend_date
    from spend_bounds
    where first_spend_date is not null
),

paid_channels as (
    select distinct channel
    from spend_daily
),

channel_days as (
    select
        paid_channels.channel,
        covered_days.spend_date
    from paid_channels
    cross join covered_days
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
