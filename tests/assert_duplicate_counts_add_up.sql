-- The incrementally merged duplicate counts agree with a recount from scratch: every valid
-- line beyond the first of its event is a duplicate dropped, so the lines counted in
-- int_event_duplicates_counted minus one per event equal valid lines minus stored events.
with

valid_lines as (
    select count(*) as n
    from {{ ref('int_events_parsed') }}
    where quarantine_reason is null
),

stored_events as (
    select count(*) as n
    from {{ ref('int_events_deduplicated') }}
),

counted_duplicates as (
    select coalesce(sum(valid_lines - 1), 0) as n
    from {{ ref('int_event_duplicates_counted') }}
)

select
    valid_lines.n - stored_events.n as duplicates_dropped,
    counted_duplicates.n as duplicates_counted
from valid_lines
cross join stored_events
cross join counted_duplicates
where valid_lines.n - stored_events.n <> counted_duplicates.n
