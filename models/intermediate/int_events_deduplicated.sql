{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='event_id',
        on_schema_change='fail',
        merge_update_condition=(
            '(DBT_INTERNAL_SOURCE.event_ts, DBT_INTERNAL_SOURCE.source_file,'
            ' DBT_INTERNAL_SOURCE.line_number)'
            ' > (DBT_INTERNAL_DEST.event_ts, DBT_INTERNAL_DEST.source_file,'
            ' DBT_INTERNAL_DEST.line_number)'
        ),
    )
}}

-- Silver, step 2: one row per event_id. The winner among versions is the latest event
-- timestamp, then the latest arrival (file name, then line): a total order, so the stored
-- winner is the same however the input was split into runs (DESIGN.md, "Duplicates").
-- Each batch is deduplicated first (MERGE does not reject duplicate keys in its source);
-- merge_update_condition then replaces a stored row only with a later version.

with

valid_events as (
    select * from {{ ref('int_events_parsed') }}
    where
        quarantine_reason is null
        and {{ ingested_since_last_run() }}
),

batch_winners as (
    select *
    from valid_events
    qualify row_number() over (
            partition by event_id
            order by event_ts desc, source_file desc, line_number desc
        ) = 1
),

final as (
    select
        -- ids
        event_id,
        user_id,
        refers_to_event_id,

        -- attributes
        event_type,
        schema_version,
        currency,
        acquisition_channel,
        page,
        extra_fields,

        -- numerics
        amount,
        amount_usd,
        tax,
        tax_usd,

        -- timestamps
        event_ts,
        event_date,

        -- lineage of the winning version
        source_file,
        line_number,
        ingested_at,
        content_hash
    from batch_winners
)

select * from final
