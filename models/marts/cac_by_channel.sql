-- Customer acquisition cost per channel, plus the blended `all` row (DESIGN.md,
-- "Acquisition"): spend over the calendar divided by paid conversions, null without any.

with

channel_acquisition as (
    select * from {{ ref('int_channel_acquisition') }}
),

final as (
    select
        channel,
        cast(round(spend_usd, 2) as decimal(18, 2)) as spend_usd,
        paid_conversions,
        cast(round(cac_usd, 2) as decimal(18, 2)) as cac_usd,
        is_blended
    from channel_acquisition
)

select
    channel,
    spend_usd,
    paid_conversions,
    cac_usd
from final
order by is_blended, channel
