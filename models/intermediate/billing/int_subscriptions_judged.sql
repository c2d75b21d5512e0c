-- Silver for subscriptions, step 1: each raw record, judged on its own text whatever its
-- position in the export, with the first rule it breaks (null when valid) and its price in
-- USD (doc block `subscription_quarantine_reasons`).

with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

records as (
    -- only an object has fields: JSON functions raise on anything else even behind an AND
    select
        *,
        case when record_json_type = 'OBJECT' then raw_record::json end as record
    from subscriptions
),

fields as (
    select
        *,
        nullif(trim(record ->> 'subscription_id'), '') as subscription_id,
        nullif(trim(record ->> 'user_id'), '') as user_id,
        nullif(lower(trim(record ->> 'plan_id')), '') as plan_id,
        upper(trim(record ->> 'currency')) as currency,
        lower(trim(record ->> 'status')) as status,
        -- only a JSON number is a price
        case
            when json_type(record -> 'price') in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(record ->> 'price' as decimal(18, 4))
        end as price,
        record ->> 'end_date' as end_date_text,
        try_cast(record ->> 'start_date' as date) as start_date,
        try_cast(record ->> 'end_date' as date) as end_date,
        try_cast(record ->> 'created_at' as timestamptz) as created_at
    from records
),

priced as (
    select
        fields.*,
        fx_rates.usd_per_unit
    from fields
    left join fx_rates
        on
            fields.currency = fx_rates.currency
            and fields.start_date >= fx_rates.valid_from
            and (fx_rates.valid_to is null or fields.start_date < fx_rates.valid_to)
),

judged as (
    select
        *,
        case
            when file_problem is not null then file_problem
            when record_json_type <> 'OBJECT' then 'not_an_object'
            when subscription_id is null then 'missing_subscription_id'
            when user_id is null then 'missing_user_id'
            when plan_id is null then 'missing_plan_id'
            when start_date is null then 'invalid_start_date'
            -- a typo such as 2204 would stretch every gold calendar to that year
            when {{ outside_valid_dates('start_date') }} then 'start_date_out_of_range'
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
