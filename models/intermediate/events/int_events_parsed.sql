{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=[
            "{{ drop_superseded_verdicts(this, ref('stg_app__event_lines')) }}",
            "{{ drop_verdicts_judged_again(this) }}",
        ],
        meta={'one_row_per_raw_line': true},
    )
}}

-- Silver, step 1: each bronze line parsed once and judged against the contract; the first rule
-- it breaks is its quarantine reason. An incremental run parses only the lines bronze
-- ingested since the last run; a line bronze read again (a grown file's last line) gets its
-- new verdict in place of the old one (post-hook), and so does a line quarantined as stamped
-- too far ahead once now has caught up with it. The fields come from one list,
-- known_event_fields(). A verdict depends on its line and the clock alone (meta
-- one_row_per_raw_line): a dropped file's verdicts are deleted (macro forget_file), not the
-- table rebuilt.
{%- set fields = known_event_fields() %}
{%- set fields_with_json_type = event_fields_with_json_type(fields) %}
{%- set known_keys = sql_strings(known_event_keys(fields)) %}
{%- set rereads = event_lines_reread(ref('stg_app__event_lines')) %}
{%- set due_again = verdicts_due_again(this) %}

with

event_lines as (
    select
        source_file,
        line_number,
        raw_line,
        reader_error,
        ingested_at
    from {{ ref('stg_app__event_lines') }}
    where {{ ingested_since_last_run() }}
    {%- if due_again %}
        union all
        -- a line quarantined as stamped too far ahead, now that its time has come: judged again,
        -- as a line this run ingested, so that the models after this one take it in their batch
        -- as a full refresh would (doc block `event_quarantine_reasons`)
        select
            stored.source_file,
            stored.line_number,
            stored.raw_line,
            stored.reader_error,
            {{ run_started_instant() }} as ingested_at
        -- lines_read_again names the bronze row `stored`
        from {{ ref('stg_app__event_lines') }} as stored  -- noqa: RF04
        inner join {{ this }} as verdicts
            on
                stored.source_file = verdicts.source_file
                and stored.line_number = verdicts.line_number
                and stored.ingested_at = verdicts.ingested_at
        where
            {{ verdict_due_again('verdicts') }}
            and not {{ lines_read_again(ref('stg_app__event_lines')) }}
            -- not a line judged again already (by a run killed before its post-hook, on Spark)
            and not exists (
                select 1
                from {{ this }} as later
                where
                    later.source_file = verdicts.source_file
                    and later.line_number = verdicts.line_number
                    and later.ingested_at > verdicts.ingested_at
            )
    {%- endif %}
),

-- the verdicts stored for lines this batch reads again: a line stored while its producer was
-- still writing it may have been another event, whose winner must then be decided again
earlier_verdicts as (
    {%- if rereads %}
        select
            earlier.source_file,
            earlier.line_number,
            earlier.event_id,
            earlier.user_id,
            earlier.event_date
        from {{ this }} as earlier
        inner join event_lines
            on
                earlier.source_file = event_lines.source_file
                and earlier.line_number = event_lines.line_number
                and earlier.ingested_at < event_lines.ingested_at
        where earlier.quarantine_reason is null
    {%- else %}
        select
            cast(null as string) as source_file,
            cast(null as bigint) as line_number,
            cast(null as string) as event_id,
            cast(null as string) as user_id,
            cast(null as date) as event_date
        where false
    {%- endif %}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

decoded as (
    -- an invalid line casts to null: JSON functions would raise on it even behind an AND
    select
        *,
        case when reader_error is null then {{ json_document('raw_line') }} end as payload
    from event_lines
),

extracted as (
    -- two reads of the document, each with a list of paths: the JSON types that rules judge,
    -- and every known field as text (one read per field would parse the line again each time)
    {%- set typed_paths = ['$'] + (fields_with_json_type | map(attribute='path') | list) %}
    select
        *,
        {{ json_types_at('payload', typed_paths) }} as json_types,
        {{ json_texts_at('payload', fields | map(attribute='path') | list) }} as texts
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
        {{ list_item('json_types', 1) }} as payload_json_type,
        {%- for field in fields_with_json_type %}
            {{ list_item('json_types', loop.index + 1) }} as {{ field.name }}_json_type,
        {%- endfor %}
        {%- for field in fields %}
            {{ list_item('texts', loop.index) }} as {{ field.name }}_text,
        {%- endfor %}
        case
            when {{ list_item('json_types', 1) }} = 'OBJECT'
                then {{ json_object_keys_of('payload', 'raw_line') }}
        end as object_keys
    from extracted
),

keys_sorted as (
    select
        *,
        -- a known field sent twice is ambiguous: which amount counts?
        {{ list_count_in('object_keys', known_keys) }}
        > {{ list_count_in('object_keys', known_keys, distinct=true) }} as has_repeated_field
    from fields_named
),

typed as (
    select
        {%- for field in fields %}
            {{ typed_event_field(field) }} as {{ field.name }},
        {%- endfor %}
        *
    from keys_sorted
),

defaulted as (
    -- schema v1 purchases carry no currency: they are USD; a refund without one takes its
    -- purchase's, which only gold can know (doc block `event_money`)
    select
        *,
        case
            when event_type = 'purchase' then coalesce(currency, 'USD') else currency
        end as currency_or_default
    from typed
),

priced as (
    select
        defaulted.*,
        fx_rates.usd_per_unit
    from defaulted
    left join fx_rates
        on
            defaulted.currency_or_default = fx_rates.currency
            and cast(defaulted.event_ts as date) >= fx_rates.valid_from
            and (fx_rates.valid_to is null or cast(defaulted.event_ts as date) < fx_rates.valid_to)
),

judged as (
    select
        *,
        case
            when reader_error is not null then 'unreadable_line'
            when raw_line = '' then 'empty_line'
            when payload is null then 'invalid_json'
            when payload_json_type <> 'OBJECT' then 'not_an_object'
            when has_repeated_field then 'repeated_field'
            when event_id is null then 'missing_event_id'
            when user_id is null then 'missing_user_id'
            when event_type is null or event_type not in (
                    'signup', 'login', 'page_view', 'purchase', 'refund',
                    'trial_start', 'trial_convert', 'cancel'
                ) then 'unknown_event_type'
            when event_ts is null then 'invalid_timestamp'
            when {{ outside_valid_dates('event_ts') }} then 'timestamp_out_of_range'
            when event_type in ('purchase', 'refund') and amount is null then 'invalid_amount'
            when event_type = 'purchase' and amount < 0 then 'negative_amount'
            when tax_json_type is not null and tax_json_type <> 'NULL' and tax is null
                then 'invalid_tax'
            when
                event_type in ('purchase', 'refund')
                and currency_or_default is not null
                and usd_per_unit is null
                then 'unknown_currency'
        end as quarantine_reason
    from priced
),

unknown_fields_kept as (
    select
        *,
        -- fields outside the known set are kept, not judged (DESIGN.md, "Schema evolution"):
        -- each unknown key with its value as sent; computed from this step's columns, so that
        -- `judged` is read once (a second read would make DuckDB materialize every column of
        -- it, 10M rows in a full build)
        {{ json_object_without('payload', 'raw_line', 'object_keys', known_event_keys(fields)) }}
            as extra_fields
    from judged
),

with_extras as (
    select
        unknown_fields_kept.*,
        earlier_verdicts.event_id as replaced_event_id,
        earlier_verdicts.user_id as replaced_user_id,
        earlier_verdicts.event_date as replaced_event_date
    from unknown_fields_kept
    left join earlier_verdicts
        on
            unknown_fields_kept.source_file = earlier_verdicts.source_file
            and unknown_fields_kept.line_number = earlier_verdicts.line_number
),

shaped as (
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
        -- the event the line was when it was read before (read again from a grown file)
        replaced_event_id,
        replaced_user_id,
        replaced_event_date,

        -- attributes
        event_type,
        schema_version,
        currency_or_default as currency,
        acquisition_channel,
        page,
        extra_fields,

        -- numerics
        amount,
        {{ to_usd("amount", "usd_per_unit") }} as amount_usd,
        tax,
        {{ to_usd("tax", "usd_per_unit") }} as tax_usd,

        -- timestamps
        event_ts,
        cast(event_ts as date) as event_date,
        ingested_at
    from with_extras
),

final as (
    select
        *,
        -- two lines with the same event_id conflict when their normalized content differs,
        -- whatever the spelling of their timestamp or the order of their keys
        {{ content_hash(
            (fields | rejectattr('name', 'eq', 'event_id') | map(attribute='name') | list)
            + ['extra_fields']
        ) }} as content_hash
    from shaped
)

select * from final
