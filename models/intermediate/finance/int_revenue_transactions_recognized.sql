{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}

-- One row per purchase and per refund, in USD, on the day it counts for revenue (doc block
-- `revenue_recognition`, _finance__docs.md). Purchases keep silver's winning version and
-- conversion; refunds get their currency, sign and recognition day resolved here because each
-- depends on the purchase they refer to. Incremental: a run recomputes the transactions of
-- the events it touched (a refund's purchase and a purchase's refunds are touched with it);
-- an event no longer a purchase or refund loses its row.
{%- do recompute_keys(touched_events()) %}

with

events as (
    select * from {{ ref('int_events_deduplicated') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

purchases as (
    select
        event_id,
        user_id,
        event_ts,
        event_date,
        currency,
        amount,
        amount_usd,
        tax_usd
    from events
    where event_type = 'purchase'
),

refunds as (
    select
        event_id,
        user_id,
        event_ts,
        event_date,
        currency,
        amount,
        refers_to_event_id
    from events
    where
        event_type = 'refund'
        and {{ recomputed('event_id') }}
),

-- a refund takes its purchase's currency when it has none, and cannot be recognized before it
refunds_with_purchase as (
    select
        refunds.event_id,
        refunds.user_id,
        refunds.event_ts,
        refunds.event_date,
        purchases.event_id as purchase_event_id,
        coalesce(refunds.currency, purchases.currency, 'USD') as currency,
        -- some refunds are stored negative: the amount refunded is the absolute value
        abs(refunds.amount) as amount,
        greatest(refunds.event_date, purchases.event_date) as recognized_date,
        coalesce(refunds.event_ts < purchases.event_ts, false) as is_refund_before_purchase,
        purchases.event_id is null as is_orphan_refund,
        purchases.amount_usd as purchase_amount_usd
    from refunds
    left join purchases
        on refunds.refers_to_event_id = purchases.event_id
),

-- converted at the refund's own date; a missing rate leaves amount_usd null, which the
-- not_null test on this model turns into a failure instead of a silent 1.0
refunds_converted as (
    select
        refunds_with_purchase.*,
        {{ to_usd('refunds_with_purchase.amount', 'fx_rates.usd_per_unit') }} as amount_usd
    from refunds_with_purchase
    left join fx_rates
        on refunds_with_purchase.currency = fx_rates.currency
            and refunds_with_purchase.event_date >= fx_rates.valid_from
            and (fx_rates.valid_to is null or refunds_with_purchase.event_date < fx_rates.valid_to)
),

final as (
    select
        event_id,
        user_id,
        'purchase' as transaction_type,
        event_ts,
        event_date,
        event_date as recognized_date,
        event_id as purchase_event_id,
        currency,
        amount,
        cast(amount_usd as decimal(38, 10)) as amount_usd,
        {%- for flag in refund_flags() %}
            false as is_{{ flag }},
        {%- endfor %}
        cast(tax_usd as decimal(38, 10)) as tax_usd
    from purchases
    where {{ recomputed('event_id') }}

    union all

    select
        event_id,
        user_id,
        'refund' as transaction_type,
        event_ts,
        event_date,
        recognized_date,
        purchase_event_id,
        currency,
        amount,
        cast(amount_usd as decimal(38, 10)) as amount_usd,
        is_refund_before_purchase,
        is_orphan_refund,
        -- counted in full, as the contract says, but shown: the refund's own currency can make
        -- it larger than what was paid
        coalesce(amount_usd > purchase_amount_usd, false) as is_refund_above_purchase,
        -- refund tax is not reported: tax is shown beside gross revenue only
        cast(null as decimal(38, 10)) as tax_usd
    from refunds_converted
)

select * from final
