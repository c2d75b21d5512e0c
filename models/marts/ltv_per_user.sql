-- Lifetime value of every known user with their acquisition channel (DESIGN.md, "Lifetime
-- value"). The three amounts are rounded from exact totals; ltv_usd is the difference of the
-- published gross and refunds, so each row adds up.

with

user_ltv as (
    select * from {{ ref('int_user_ltv') }}
),

rounded as (
    select
        user_id,
        channel,
        cast(round(gross_revenue_usd, 2) as decimal(18, 2)) as gross_revenue_usd,
        cast(round(refunds_usd, 2) as decimal(18, 2)) as refunds_usd,
        has_signup,
        is_paid_converter
    from user_ltv
),

final as (
    select
        user_id,
        channel,
        gross_revenue_usd,
        refunds_usd,
        cast(gross_revenue_usd - refunds_usd as decimal(18, 2)) as ltv_usd,
        has_signup,
        is_paid_converter
    from rounded
)

select
    user_id,
    channel,
    gross_revenue_usd,
    refunds_usd,
    ltv_usd,
    has_signup,
    is_paid_converter
from final
order by user_id
