{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

-- Silver: what each run changed, for the incremental gold models (doc block `events_touched`).
-- An event is touched when the run brings a valid line of it, or reads again a line that was
-- it. Each row is one version of a touched event, earlier or new: its user and date, so that
-- gold recomputes every day and user an event counted for before the run and counts for
-- after it. A refund follows its purchase (its recognition day is the later of both), so the
-- refunds of a touched purchase, and the purchase of a touched refund, are touched too.

with

batch as (
    -- the lines parsed since this model last ran (old row groups skipped by ingested_at)
    select
        event_id,
        quarantine_reason,
        replaced_event_id,
        replaced_user_id,
        replaced_event_date,
        ingested_at
    from {{ ref('int_events_parsed') }}
    where {{ ingested_since_last_run() }}
),

valid_versions as (
    select
        event_id,
        event_type,
        user_id,
        event_date,
        refers_to_event_id
    from {{ ref('int_events_parsed') }}
    where quarantine_reason is null
),

touched_events as (
    select event_id from batch
    where quarantine_reason is null
    union
    select replaced_event_id from batch
    where replaced_event_id is not null
),

versions as (
    select * from valid_versions
    where event_id in (select touched_events.event_id from touched_events)
),

linked_versions as (
    -- refunds of a touched purchase, and the purchase of a touched refund
    select * from valid_versions
    where
        event_type = 'refund'
        and refers_to_event_id in (
            select versions.event_id from versions
            where versions.event_type = 'purchase'
        )
    union all
    select * from valid_versions
    where
        event_type = 'purchase'
        and event_id in (
            select versions.refers_to_event_id from versions
            where versions.event_type = 'refund'
        )
),

earlier_readings as (
    -- a line read again was this event before: where it counted then (its type unknown)
    select
        replaced_event_id as event_id,
        cast(null as string) as event_type,
        replaced_user_id as user_id,
        replaced_event_date as event_date
    from batch
    where replaced_event_id is not null
),

touched_keys as (
    select
        event_id,
        event_type,
        user_id,
        event_date
    from versions
    union
    select
        event_id,
        event_type,
        user_id,
        event_date
    from linked_versions
    union
    select
        event_id,
        event_type,
        user_id,
        event_date
    from earlier_readings
),

watermark as (
    select max(ingested_at) as ingested_at from batch
),

final as (
    select
        touched_keys.event_id,
        touched_keys.event_type,
        touched_keys.user_id,
        touched_keys.event_date,
        watermark.ingested_at,
        {{ run_started_instant() }} as recorded_at
    from touched_keys
    cross join watermark
    -- a full refresh touches nothing: gold is rebuilt whole
    where {{ is_incremental() }}

    union all

    -- the run's watermark, kept also when nothing was touched
    select
        cast(null as string) as event_id,
        cast(null as string) as event_type,
        cast(null as string) as user_id,
        cast(null as date) as event_date,
        ingested_at,
        {{ run_started_instant() }} as recorded_at
    from watermark
)

select * from final
