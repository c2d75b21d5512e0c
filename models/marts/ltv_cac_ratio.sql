-- Average lifetime value of a channel's paid converters against its CAC, plus the blended
-- `all` row (DESIGN.md, "Lifetime value"). Computed from exact amounts, rounded at the end.

with

channel_acquisition as (
    select * from {{ ref('int_channel_acquisition') }}
),

final as (
    select
        channel,
        paid_conversions,
        cast(round(avg_ltv_usd, 2) as decimal(18, 2)) as avg_ltv_usd,
        cast(round(cac_usd, 2) as decimal(18, 2)) as cac_usd,
        -- null where CAC is null (no conversions) or zero (no spend): there is no ratio
        cast(round(avg_ltv_usd / nullif(cac_usd, 0), 4) as decimal(18, 4)) as ltv_cac_ratio,
        is_blended
    from channel_acquisition
)

select
    channel,
    paid_conversions,
    avg_ltv_usd,
    cac_usd,
    ltv_cac_ratio
from final
order by is_blended, channel
