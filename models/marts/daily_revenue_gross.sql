{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='date',
        on_schema_change='fail',
    )
}}

-- Purchases in USD by purchase day, zero on days without any; tax beside revenue, never in it
-- (doc block `gross_revenue`, models/marts/_marts__docs.md).
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

purchases_by_day as (
    select
        recognized_date,
        sum(amount_usd) as gross_revenue_usd,
        count(*) as purchases,
        sum(tax_usd) as tax_usd
    from transactions
    where transaction_type = 'purchase'
    group by recognized_date
),

final as (
    select
        -- the column name is fixed by the metric contract
        calendar.date_day as date,  -- noqa: RF04
        -- rounded once, on the day's exact total
        {{ round_to_cents('coalesce(purchases_by_day.gross_revenue_usd, 0)') }}
            as gross_revenue_usd,
        cast(coalesce(purchases_by_day.purchases, 0) as bigint) as purchases,
        {{ round_to_cents('coalesce(purchases_by_day.tax_usd, 0)') }} as tax_usd
    from calendar
    left join purchases_by_day
        on calendar.date_day = purchases_by_day.recognized_date
)

select * from final
