{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

-- Silver, step 1: each bronze line parsed once and judged against the contract; the first rule
-- it breaks is its quarantine reason (DESIGN.md, "Quarantine"). An incremental run parses
-- only the lines bronze ingested since the last run.

with

event_lines as (
    select * from {{ ref('stg_app__event_lines') }}
    where {{ ingested_since_last_run() }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

decoded as (
    -- an invalid line casts to null: JSON functions would raise on it even behind an AND
    select
        *,
        case when reader_error is null then try_cast(raw_line as json) end as payload
    from event_lines
),

extracted as (
    -- two reads of the document, each with a list of paths: the JSON types of the document and
    -- of the fields whose type is judged, and every field as text (re-reading extracted JSON
    -- values one by one cost more than both, BENCHMARKS.md)
    select
        *,
        json_type(payload, ['$', '$.event_id', '$.user_id', '$.amount', '$.tax']) as value_types,
        json_extract_string(payload, [
            '$.event_id',
            '$.user_id',
            '$.amount',
            '$.tax',
            '$.event_type',
            '$.timestamp',
            '$.schema_version',
            '$.currency',
            '$.refers_to_event_id',
            '$.acquisition_channel',
            '$.page'
        ]) as text_values
    from decoded
),

fields_named as (
    select
        source_file,
        line_number,
        ingested_at,
        raw_line,
        reader_error,
        payload,
        value_types[1] as payload_type,
        -- an id is a string or an integer; an object, array or boolean is no id
        case
            when value_types[2] in ('VARCHAR', 'BIGINT', 'UBIGINT')
                then nullif(trim(text_values[1]), '')
        end as event_id,
        case
            when value_types[3] in ('VARCHAR', 'BIGINT', 'UBIGINT')
                then nullif(trim(text_values[2]), '')
        end as user_id,
        value_types[4] as amount_type,
        text_values[3] as amount_text,
        value_types[5] as tax_type,
        text_values[4] as tax_text,
        lower(trim(text_values[5])) as event_type,
        text_values[6] as timestamp_text,
        text_values[7] as schema_version_text,
        upper(trim(text_values[8])) as currency_given,
        nullif(trim(text_values[9]), '') as refers_to_event_id,
        text_values[10] as acquisition_channel,
        text_values[11] as page,
        -- schema v2 fields and unknown ones are kept, not judged (DESIGN.md, "Schema evolution")
        case
            when value_types[1] = 'OBJECT'
                then list_filter(json_keys(payload), lambda k: k not in (
                        'event_id', 'user_id', 'event_type', 'timestamp', 'schema_version',
                        'amount', 'currency', 'tax', 'refers_to_event_id', 'acquisition_channel',
                        'page'
                    ))
        end as unknown_keys
    from extracted
),

typed as (
    select
        *,
        -- accepted formats only (DESIGN.md, "Timestamps"): ISO-8601 with Z or an offset
        -- (+HH:MM or +HHMM), or naive 'YYYY-MM-DD HH:MM:SS' read as UTC
        case
            when regexp_full_match(
                    timestamp_text,
                    '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-](0\d|1[0-4]):?[0-5]\d)'
                ) then try_cast(timestamp_text as timestamptz)
            when regexp_full_match(
                    timestamp_text, '\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?'
                ) then try_cast(timestamp_text || '+00:00' as timestamptz)
        end as event_ts,
        coalesce(amount_type in ('BIGINT', 'UBIGINT', 'DOUBLE'), false) as amount_is_number,
        coalesce(tax_type in ('BIGINT', 'UBIGINT', 'DOUBLE'), false) as tax_is_number,
        try_cast(schema_version_text as integer) as schema_version,
        case
            -- schema v1 purchases carry no currency: they are USD (DESIGN.md, "Money");
            -- a refund without one takes its purchase's, resolved in gold
            when event_type = 'purchase' then coalesce(currency_given, 'USD')
            else currency_given
        end as currency
    from fields_named
),

amounts as (
    select
        typed.*,
        case
            when typed.amount_is_number then try_cast(typed.amount_text as decimal(18, 4))
        end as amount,
        case
            when typed.tax_is_number then try_cast(typed.tax_text as decimal(18, 4))
        end as tax,
        fx_rates.usd_per_unit
    from typed
    left join fx_rates
        on
            typed.currency = fx_rates.currency
            and typed.event_ts::date >= fx_rates.valid_from
            and (fx_rates.valid_to is null or typed.event_ts::date < fx_rates.valid_to)
),

judged as (
    select
        *,
        case
            when reader_error is not null then 'unreadable_line'
            when raw_line = '' then 'empty_line'
            when payload is null then 'invalid_json'
            when payload_type <> 'OBJECT' then 'not_an_object'
            when event_id is null then 'missing_event_id'
            when user_id is null then 'missing_user_id'
            when event_type is null or event_type not in (
                    'signup', 'login', 'page_view', 'purchase', 'refund',
                    'trial_start', 'trial_convert', 'cancel'
                ) then 'unknown_event_type'
            when event_ts is null then 'invalid_timestamp'
            when
                event_ts < '{{ var("min_valid_event_ts") }}'::timestamptz
                or event_ts > '{{ run_started_at }}'::timestamptz
                + interval '{{ var("max_future_days") }} days'
                then 'timestamp_out_of_range'
            when event_type in ('purchase', 'refund') and amount is null then 'invalid_amount'
            when event_type = 'purchase' and amount < 0 then 'negative_amount'
            when tax_type is not null and tax_type <> 'NULL' and tax is null
                then 'invalid_tax'
            when
                event_type in ('purchase', 'refund')
                and currency is not null
                and usd_per_unit is null
                then 'unknown_currency'
        end as quarantine_reason
    from amounts
),

final as (
    select
        -- ids
        source_file,
        line_number,
        event_id,
        user_id,
        refers_to_event_id,

        -- judgement
        quarantine_reason,
        case when quarantine_reason is not null then raw_line end as raw_line,

        -- attributes
        event_type,
        schema_version,
        currency,
        acquisition_channel,
        page,
        case
            when len(unknown_keys) > 0
                then to_json(map_from_entries(list_transform(
                        unknown_keys, lambda k: { 'key': k, 'value': payload -> k }
                    )))
        end as extra_fields,

        -- numerics
        amount,
        {{ to_usd("amount", "usd_per_unit") }} as amount_usd,
        tax,
        {{ to_usd("tax", "usd_per_unit") }} as tax_usd,

        -- timestamps
        event_ts,
        event_ts::date as event_date,
        ingested_at,

        -- two lines with the same event_id conflict when their normalized content differs,
        -- whatever the spelling of their timestamp or the order of their keys
        {{ content_hash([
            'user_id', 'event_type', 'event_ts', 'amount', 'currency', 'tax',
            'refers_to_event_id', 'acquisition_channel', 'page', 'schema_version',
            'extra_fields'
        ]) }} as content_hash
    from judged
)

select * from final
