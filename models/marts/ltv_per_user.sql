{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='user_id',
        on_schema_change='fail',
    )
}}

-- Lifetime value of every known user with their acquisition channel (doc block
-- `lifetime_value`, models/marts/_marts__docs.md). Gross and refunds are rounded from exact
-- totals; ltv_usd is the difference of the two published amounts, so each row adds up.
-- Incremental: a run recomputes the users whose revenue was recomputed since it last built
-- (macro recomputed_upstream).
{%- do recompute_keys(recomputed_upstream(ref('int_user_revenue_summed'))) %}

with

user_revenue as (
    select * from {{ ref('int_user_revenue_summed') }}
    where {{ recomputed('user_id') }}
),

rounded as (
    select
        user_id,
        channel,
        {{ round_to_cents('gross_revenue_usd') }} as gross_revenue_usd,
        {{ round_to_cents('refunds_usd') }} as refunds_usd,
        has_signup,
        is_paid_converter
    from user_revenue
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

select * from final
