{{
    config(
        materialized='incremental',
        incremental_strategy='upsert_latest',
        unique_key='event_id',
        on_schema_change='fail',
        meta={'latest_by': ['ingested_at']},
    )
}}

-- Silver: the events that arrived in more than one valid line, with how many lines and how
-- many distinct contents, so that duplicate and conflict counts never regroup every version
-- (DESIGN.md, "Incremental strategy"). A run recounts all versions of the events its batch
-- brings and merges the counts, so any split into runs ends with the same counts. An event
-- whose line bronze read again is forgotten first (macro replaced_events) and counted again. A
-- recount always holds a line of this run, so it is the later by its latest line counted: the
-- upsert_latest strategy keeps it.
{%- do recompute_keys(replaced_events()) %}

with

batch_events as (
    -- the events of the valid lines this run brings (old row groups skipped by ingested_at),
    -- and those whose line was read again
    select
        case when quarantine_reason is null then event_id end as event_id,
        replaced_event_id
    from {{ ref('int_events_parsed') }}
    where
        (quarantine_reason is null or replaced_event_id is not null)
        and {{ ingested_since_last_run() }}
),

versions as (
    -- every valid version, earlier or new, of those events
    select
        event_id,
        content_hash,
        ingested_at
    from {{ ref('int_events_parsed') }}
    where
        quarantine_reason is null
        {% if is_incremental() %}
            and (
                event_id in (select batch_events.event_id from batch_events)
                or event_id in (select batch_events.replaced_event_id from batch_events)
            )
        {% endif %}
),

repeated as (
    -- most events arrive in one line: find the repeated ones first, so that the distinct
    -- count below runs on a few percent of the versions
    select event_id
    from versions
    group by event_id
    having count(*) > 1
),

counted as (
    select
        event_id,
        count(*) as valid_lines,
        count(distinct content_hash) as distinct_contents,
        -- the latest line counted: the next run's watermark
        max(ingested_at) as ingested_at
    from versions
    where event_id in (select repeated.event_id from repeated)
    group by event_id
)

select * from counted
