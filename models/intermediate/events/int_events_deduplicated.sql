{%- set version_order = ['event_ts', 'source_file', 'line_number'] -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='upsert_latest',
        unique_key='event_id',
        on_schema_change='fail',
        meta={'latest_by': version_order},
    )
}}

-- Silver, step 2: one row per event_id. The winner among versions is the latest event
-- timestamp, then the latest arrival, where a version arrives when its content is first seen
-- (file name, then line): a re-delivered copy of old content is not a new version. Both keys
-- are fixed once a version is seen, so the stored winner is the same however the input was
-- split into runs (doc block `event_dedupe`). Each batch is reduced to its own winners first
-- (MERGE does not reject duplicate keys in its source); the upsert_latest strategy then
-- replaces a stored row only with a later version by version_order. An event whose earlier
-- line bronze read again (a grown file's last line) is forgotten first (its key is among the
-- run's keys, macro replaced_events) and decided again here over all its versions: its winner
-- may then be a line of an earlier run, or it may have none left.
{%- do recompute_keys(replaced_events()) %}

with

-- int_events_parsed is read twice on purpose: a CTE used twice is materialized whole by
-- DuckDB, which would copy every version with every column on each run.
batch as (
    -- the valid lines this run brings (old row groups are skipped by their ingested_at)
    select * from {{ ref('int_events_parsed') }}
    where
        quarantine_reason is null
        and {{ ingested_since_last_run() }}
),

candidate_keys as (
    -- every version, earlier or new, of the events in the batch; only the columns that rank
    -- them, so that the scan of all versions stays narrow
    select
        event_id,
        content_hash,
        event_ts,
        source_file,
        line_number
    from {{ ref('int_events_parsed') }}
    where
        quarantine_reason is null
        {% if is_incremental() %}
            and (
                event_id in (select batch.event_id from batch)
                or {{ forgotten('event_id') }}
            )
        {% endif %}
),

first_arrivals as (
    -- a content arrives once: its first line stands for every later copy
    select *
    from candidate_keys
    qualify row_number() over (
            partition by event_id, content_hash
            order by source_file, line_number
        ) = 1
),

winner_keys as (
    select *
    from first_arrivals
    qualify row_number() over (
            partition by event_id
            order by {{ version_order | join(' desc, ') }} desc
        ) = 1
),

batch_winners as (
    -- a winner from an earlier run is already stored: only batch lines can change silver
    select batch.*
    from batch
    inner join winner_keys
        on
            batch.source_file = winner_keys.source_file
            and batch.line_number = winner_keys.line_number
),

decided_again as (
    -- a forgotten event whose winner is a line of an earlier run: stored again
    select parsed.*
    from {{ ref('int_events_parsed') }} as parsed
    inner join winner_keys
        on
            parsed.source_file = winner_keys.source_file
            and parsed.line_number = winner_keys.line_number
    where
        {{ forgotten('parsed.event_id') }}
        -- a winner of this batch is in batch_winners already; asked of the line itself, not
        -- of batch_winners, which a second read would make DuckDB materialize whole
        and not ({{ ingested_since_last_run('parsed.ingested_at') }})
),

winners as (
    select * from batch_winners
    union all
    select * from decided_again
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
        source_file,
        line_number,
        ingested_at,
        content_hash
    from winners
)

select * from final
