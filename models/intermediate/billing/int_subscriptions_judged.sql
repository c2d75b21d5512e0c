-- Silver for subscriptions, step 1: each raw record with the first rule it breaks (null when
-- valid) and its price in USD (doc block `subscription_quarantine_reasons`).

with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

priced as (
    select
        subscriptions.*,
        fx_rates.usd_per_unit
    from subscriptions
    left join fx_rates
        on
            subscriptions.currency = fx_rates.currency
            and subscriptions.start_date >= fx_rates.valid_from
            and (fx_rates.valid_to is null or subscriptions.start_date < fx_rates.valid_to)
),

judged as (
    select
        *,
        case
            when subscription_id is null then 'missing_subscription_id'
            when user_id is null then 'missing_user_id'
            when plan_id is null then 'missing_plan_id'
            when start_date is null then 'invalid_start_date'
            when end_date_text is not null and end_date is null then 'invalid_end_date'
            when end_date < start_date then 'end_before_start'
            when status is null or status not in ('active', 'canceled') then 'unknown_status'
            when price is null then 'invalid_price'
            when price < 0 then 'negative_price'
            when usd_per_unit is null then 'unknown_currency'
            when created_at is null then 'invalid_created_at'
        end as quarantine_reason
    from priced
),

final as (
    select
        source_file,
        record_index,
        subscription_id,
        user_id,
        plan_id,
        status,
        currency,
        price,
        {{ to_usd("price", "usd_per_unit") }} as price_usd,
        start_date,
        end_date,
        created_at,
        quarantine_reason,
        raw_record
    from judged
)

select * from final
