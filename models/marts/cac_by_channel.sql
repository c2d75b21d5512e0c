-- Customer acquisition cost per channel and blended (`all`): spend over the reporting period
-- per paid conversion, null without any (doc block `cac`, models/marts/_marts__docs.md).

with

channels as (
    select * from {{ ref('int_channels_aggregated') }}
),

final as (
    select
        channel,
        {{ round_to_cents('spend_usd') }} as spend_usd,
        paid_conversions,
        {{ round_to_cents(per_paid_conversion('spend_usd', 'paid_conversions')) }} as cac_usd
    from channels
)

select * from final
