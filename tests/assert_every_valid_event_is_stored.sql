-- Every event_id with a valid line in the latest run has a row in silver, and every row that
-- run stored in silver is one of its valid lines. Each run checks its own batch (a full
-- refresh is one batch holding everything), so the cost follows the batch, not the history
-- (DESIGN.md, "Tests that scale with the batch"). With the per-file balance of
-- int_event_files_reconciled and the unique event_id, nothing valid is lost.
with

latest_run as (
    select max(ingested_at) as ingested_at
    from {{ ref('int_events_parsed') }}
),

latest_valid_lines as (
    select
        parsed.event_id,
        parsed.source_file,
        parsed.line_number
    from {{ ref('int_events_parsed') }} as parsed
    inner join latest_run on parsed.ingested_at = latest_run.ingested_at
    where parsed.quarantine_reason is null
),

latest_stored_events as (
    select
        events.event_id,
        events.source_file,
        events.line_number
    from {{ ref('int_events_deduplicated') }} as events
    inner join latest_run on events.ingested_at = latest_run.ingested_at
),

valid_but_not_stored as (
    select
        'valid event_id missing from silver' as failure,
        latest_valid_lines.event_id
    from latest_valid_lines
    left join {{ ref('int_events_deduplicated') }} as events
        on latest_valid_lines.event_id = events.event_id
    where events.event_id is null
),

stored_but_not_valid as (
    select
        'silver row with no valid line behind it' as failure,
        latest_stored_events.event_id
    from latest_stored_events
    left join latest_valid_lines
        on
            latest_stored_events.source_file = latest_valid_lines.source_file
            and latest_stored_events.line_number = latest_valid_lines.line_number
    where latest_valid_lines.source_file is null
)

select * from valid_but_not_stored
union all
select * from stored_but_not_valid
