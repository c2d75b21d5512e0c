{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='date',
        on_schema_change='fail',
    )
}}

-- Gross revenue minus the refunds recognized each day (doc block `net_revenue`,
-- models/marts/_marts__docs.md).
-- Incremental: a run recomputes the days that changed (those of every version of a purchase
-- or refund it touched, or of its refunds or purchase, and days the calendar gained or lost).
{%- do recompute_keys(touched_days()) %}

with

calendar as (
    select * from {{ ref('util_calendar_days') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions_recognized') }}
    where {{ recomputed('recognized_date') }}
),

revenue_by_day as (
    select
        recognized_date,
        sum(amount_usd) filter (where transaction_type = 'purchase') as gross_revenue_usd,
        sum(amount_usd) filter (where transaction_type = 'refund') as refunds_usd,
        count(*) filter (where transaction_type = 'refund') as refunds
    from transactions
    group by recognized_date
),

rounded as (
    select
        calendar.date_day,
        {{ round_to_cents('coalesce(revenue_by_day.gross_revenue_usd, 0)') }}
            as gross_revenue_usd,
        {{ round_to_cents('coalesce(revenue_by_day.refunds_usd, 0)') }} as refunds_usd,
        cast(coalesce(revenue_by_day.refunds, 0) as bigint) as refunds
    from calendar
    left join revenue_by_day
        on calendar.date_day = revenue_by_day.recognized_date
),

final as (
    select
        -- the column name is fixed by the metric contract
        date_day as date,  -- noqa: RF04
        gross_revenue_usd,
        refunds_usd,
        -- the difference of the two published cents, so every row adds up exactly
        cast(gross_revenue_usd - refunds_usd as decimal(18, 2)) as net_revenue_usd,
        refunds
    from rounded
)

select * from final
