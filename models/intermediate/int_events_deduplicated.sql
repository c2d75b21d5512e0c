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
-- timestamp, then the latest arrival, where a version arrives when its content is first seen
-- (file name, then line): a re-delivered copy of old content is not a new version. Both keys
-- are fixed once a version is seen, so the stored winner is the same however the input was
-- split into runs (DESIGN.md, "Duplicates"). Each batch is reduced to its own winners first
-- (MERGE does not reject duplicate keys in its source); merge_update_condition then replaces
-- a stored row only with a later version.

with

valid_versions as (
    select * from {{ ref('int_events_parsed') }}
    where quarantine_reason is null
),

batch as (
    select * from valid_versions
    where {{ ingested_since_last_run() }}
),

first_arrivals as (
    -- where each content of the batch's events was first seen, this run or before
    select
        event_id,
        content_hash,
        source_file,
        line_number,
        ingested_at
    from valid_versions
    where event_id in (select batch.event_id from batch)
    qualify row_number() over (
            partition by event_id, content_hash
            order by source_file, line_number
        ) = 1
),

batch_contents as (
    select
        batch.*,
        first_arrivals.source_file as first_source_file,
        first_arrivals.line_number as first_line_number,
        first_arrivals.ingested_at as first_ingested_at
    from batch
    inner join first_arrivals
        on
            batch.event_id = first_arrivals.event_id
            and batch.content_hash = first_arrivals.content_hash
),

batch_winners as (
    -- copies of one content share every key: any of them stands for it
    select *
    from batch_contents
    qualify row_number() over (
            partition by event_id
            order by event_ts desc, first_source_file desc, first_line_number desc
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

        -- lineage: where the winning content was first seen
        first_source_file as source_file,
        first_line_number as line_number,
        first_ingested_at as ingested_at,
        content_hash
    from batch_winners
)

select * from final
