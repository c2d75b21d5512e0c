-- Average lifetime value of a channel's paid converters against its CAC, and blended (`all`):
-- computed from exact amounts, rounded at the end (doc block `ltv_cac_ratio`,
-- models/marts/_marts__docs.md).

with

channels as (
    select * from {{ ref('int_channels_aggregated') }}
),

per_converter as (
    select
        channel,
        paid_conversions,
        {{ per_paid_conversion(
            'converters_gross_revenue_usd - converters_refunds_usd', 'paid_conversions'
        ) }} as avg_ltv_usd,
        {{ per_paid_conversion('spend_usd', 'paid_conversions') }} as cac_usd
    from channels
),

final as (
    select
        channel,
        paid_conversions,
        {{ round_to_cents('avg_ltv_usd') }} as avg_ltv_usd,
        {{ round_to_cents('cac_usd') }} as cac_usd,
        -- null where CAC is null (no conversions) or zero (no spend): there is no ratio
        cast(round(avg_ltv_usd / nullif(cac_usd, 0), 4) as decimal(18, 4)) as ltv_cac_ratio
    from per_converter
)

select * from final
