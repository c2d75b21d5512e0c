-- Every event_id with a valid line has exactly one row in silver, and silver has no other:
-- with the per-file balance of int_event_files_reconciled, nothing valid is lost.
with

valid_events as (
    select count(distinct event_id) as n
    from {{ ref('int_events_parsed') }}
    where quarantine_reason is null
),

stored_events as (
    select count(*) as n
    from {{ ref('int_events_deduplicated') }}
)

select
    valid_events.n as valid_event_ids,
    stored_events.n as stored_events
from valid_events
cross join stored_events
where valid_events.n <> stored_events.n
