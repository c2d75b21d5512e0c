{{ config(materialized='view') }}

-- Every valid version of every event, beside the version silver kept: the audit trail of the
-- dedupe (doc block `event_dedupe`).

with

valid_versions as (
    select * from {{ ref('int_events_parsed') }}
    where quarantine_reason is null
),

winners as (
    select * from {{ ref('int_events_deduplicated') }}
),

versions_per_event as (
    select
        event_id,
        count(*) as version_count,
        count(distinct content_hash) as distinct_contents
    from valid_versions
    group by event_id
),

final as (
    select
        valid_versions.event_id,
        valid_versions.source_file,
        valid_versions.line_number,
        valid_versions.event_type,
        valid_versions.event_ts,
        valid_versions.amount,
        valid_versions.currency,
        valid_versions.content_hash,
        versions_per_event.version_count,
        versions_per_event.distinct_contents > 1 as is_conflicting,
        winners.source_file = valid_versions.source_file
        and winners.line_number = valid_versions.line_number as is_winner,
        winners.content_hash = valid_versions.content_hash as is_same_as_winner,
        winners.source_file as winner_source_file,
        winners.line_number as winner_line_number
    from valid_versions
    inner join versions_per_event
        on valid_versions.event_id = versions_per_event.event_id
    left join winners
        on valid_versions.event_id = winners.event_id
)

select * from final
