{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

-- Silver, step 1: each bronze line parsed once and judged against the contract; the first rule
-- it breaks is its quarantine reason. An incremental run parses only the lines bronze
-- ingested since the last run. The fields come from one list, known_event_fields().
{%- set fields = known_event_fields() %}
{%- set fields_with_json_type = event_fields_with_json_type(fields) %}

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
    -- two reads of the document, each with a list of paths: the JSON types that rules judge,
    -- and every known field as text (one read per field would parse the line again each time)
    select
        *,
        json_type(payload, ['$', {{ sql_strings(fields_with_json_type | map(attribute='path')) }}])
            as json_types,
        json_extract_string(payload, [{{ sql_strings(fields | map(attribute='path')) }}])
            as texts
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
        json_types[1] as payload_json_type,
        {%- for field in fields_with_json_type %}
            json_types[{{ loop.index + 1 }}] as {{ field.name }}_json_type,
        {%- endfor %}
        {%- for field in fields %}
            texts[{{ loop.index }}] as {{ field.name }}_text,
        {%- endfor %}
        -- fields outside the known set are kept, not judged (DESIGN.md, "Schema evolution")
        case
            when json_types[1] = 'OBJECT'
                then list_filter(
                        json_keys(payload),
                        lambda k: k not in ({{ sql_strings(known_event_keys(fields)) }})
                    )
        end as unknown_keys
    from extracted
),

typed as (
    select
        {%- for field in fields %}
            {{ typed_event_field(field) }} as {{ field.name }},
        {%- endfor %}
        *
    from fields_named
),

defaulted as (
    -- schema v1 purchases carry no currency: they are USD; a refund without one takes its
    -- purchase's, which only gold can know (doc block `event_money`)
    select
        * replace (
            case when event_type = 'purchase' then coalesce(currency, 'USD') else currency end
                as currency
        )
    from typed
),

priced as (
    select
        defaulted.*,
        fx_rates.usd_per_unit
    from defaulted
    left join fx_rates
        on
            defaulted.currency = fx_rates.currency
            and defaulted.event_ts::date >= fx_rates.valid_from
            and (fx_rates.valid_to is null or defaulted.event_ts::date < fx_rates.valid_to)
),

judged as (
    select
        *,
        case
            when reader_error is not null then 'unreadable_line'
            when raw_line = '' then 'empty_line'
            when payload is null then 'invalid_json'
            when payload_json_type <> 'OBJECT' then 'not_an_object'
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
            when tax_json_type is not null and tax_json_type <> 'NULL' and tax is null
                then 'invalid_tax'
            when
                event_type in ('purchase', 'refund')
                and currency is not null
                and usd_per_unit is null
                then 'unknown_currency'
        end as quarantine_reason
    from priced
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
        {{ content_hash(
            (fields | rejectattr('name', 'eq', 'event_id') | map(attribute='name') | list)
            + ['extra_fields']
        ) }} as content_hash
    from judged
)

select * from final
