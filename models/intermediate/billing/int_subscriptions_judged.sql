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
        case when record_json_type = 'OBJECT' then {{ json_document('raw_record') }} end as record
    from subscriptions
),

{%- set field_paths = [
    '$.subscription_id', '$.user_id', '$.plan_id', '$.currency', '$.status', '$.price',
    '$.start_date', '$.end_date', '$.created_at',
] %}

extracted as (
    -- one read of the record for all its fields
    select
        *,
        {{ json_texts_at('record', field_paths) }} as texts,
        {{ list_item(json_types_at('record', ['$.price']), 1) }} as price_json_type
    from records
),

named as (
    select
        {%- for path in field_paths %}
            {{ list_item('texts', loop.index) }} as {{ path[2:] }}_text,
        {%- endfor %}
        *
    from extracted
),

fields as (
    select
        *,
        nullif(trim(subscription_id_text), '') as subscription_id,
        nullif(trim(user_id_text), '') as user_id,
        nullif(lower(trim(plan_id_text)), '') as plan_id,
        upper(trim(currency_text)) as currency,
        lower(trim(status_text)) as status,
        -- only a JSON number is a price
        case
            when price_json_type in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(price_text as decimal(18, 4))
        end as price,
        {{ try_date('start_date_text') }} as start_date,
        {{ try_date('end_date_text') }} as end_date,
        try_cast(created_at_text as {{ instant_type() }}) as created_at
    from named
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
