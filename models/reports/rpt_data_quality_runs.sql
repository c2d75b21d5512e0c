{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}

-- One row per run: what the run's batch brought and how clean it was (the gates judge these),
-- and the state of the lakehouse after the run, for context (doc block `data_quality_gates`).
-- The batch is every events line ingested since the previous row of this report.

with

event_lines as (
    select * from {{ ref('stg_app__event_lines') }}
),

parsed as (
    select * from {{ ref('int_events_parsed') }}
),

events as (
    select * from {{ ref('int_events_deduplicated') }}
),

duplicated_events as (
    select * from {{ ref('int_event_duplicates_counted') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions_recognized') }}
),

spend_gaps as (
    select * from {{ ref('int_marketing_spend_gaps_listed') }}
),

previous_run as (
    -- the report's latest row: the batch starts after it
    {%- if is_incremental() %}
        select
            run_started_at as reported_at,
            latest_event_ts
        from {{ this }}
        order by run_started_at desc
        limit 1
    {%- else %}
        select
            cast(null as {{ instant_type() }}) as reported_at,
            cast(null as {{ instant_type() }}) as latest_event_ts
    {%- endif %}
),

batch_since as (
    select coalesce(max(reported_at), {{ before_any_instant() }}) as ingested_after
    from previous_run
),

line_counts as (
    select
        count(*) as raw_lines,
        count(distinct event_lines.source_file) as raw_files,
        count(*) filter (where event_lines.ingested_at > batch_since.ingested_after)
            as new_raw_lines,
        count(distinct event_lines.source_file) filter (
            where event_lines.ingested_at > batch_since.ingested_after
        ) as new_raw_files
    from event_lines
    cross join batch_since
),

verdict_counts as (
    select
        count(*) filter (where parsed.quarantine_reason is not null) as quarantined_lines,
        count(*) filter (where parsed.quarantine_reason is null) as valid_lines,
        count(*) filter (
            where parsed.quarantine_reason is null and parsed.extra_fields is not null
        ) as lines_with_unknown_fields,
        count(*) filter (
            where parsed.quarantine_reason is null and parsed.schema_version not in (1, 2)
        ) as lines_with_unknown_schema_version,
        count(*) filter (
            where parsed.quarantine_reason is not null
            and parsed.ingested_at > batch_since.ingested_after
        ) as batch_quarantined_lines,
        count(*) filter (
            where parsed.quarantine_reason is null
            and parsed.ingested_at > batch_since.ingested_after
        ) as batch_valid_lines,
        count(distinct parsed.event_id) filter (
            where parsed.quarantine_reason is null
            and parsed.ingested_at > batch_since.ingested_after
        ) as batch_events
    from parsed
    cross join batch_since
),

event_counts as (
    select
        count(*) as events,
        max(events.event_ts) as latest_event_ts,
        -- the batch's lines stored as the winning version of their event
        count(*) filter (where events.ingested_at > batch_since.ingested_after)
            as batch_stored_lines,
        -- a late event is older than the newest event already stored when it arrived
        count(*) filter (
            where events.ingested_at > batch_since.ingested_after
            and events.event_ts < previous_run.latest_event_ts
        ) as batch_late_events
    from events
    cross join batch_since
    left join previous_run on true
),

conflict_counts as (
    -- events whose valid versions differ in content; recounted for the batch's events
    select
        count(*) filter (where duplicated_events.distinct_contents > 1) as conflicting_events,
        count(*) filter (
            where duplicated_events.distinct_contents > 1
            and duplicated_events.ingested_at > batch_since.ingested_after
        ) as batch_conflicting_events
    from duplicated_events
    cross join batch_since
),

orphan_counts as (
    select count(*) as orphan_refunds
    from transactions
    where is_orphan_refund
),

gap_counts as (
    select count(*) as spend_gap_days
    from spend_gaps
),

recent_volume as (
    -- lines brought by the last runs that brought some: a first load or a full refresh
    -- (which re-ingests everything) is no batch to compare with
    {% if is_incremental() %}
        select avg(new_raw_lines) as avg_new_raw_lines
        from (
            select new_raw_lines
            from {{ this }}
            where new_raw_lines > 0 and new_raw_lines < raw_lines
            order by run_started_at desc
            limit {{ var('dq_volume_window_runs') }}
        )
    {% else %}
        select cast(null as double) as avg_new_raw_lines
    {% endif %}
),

volume_history as (
    select
        nullif(line_counts.new_raw_lines, 0)
        / nullif(recent_volume.avg_new_raw_lines, 0) as volume_ratio
    from line_counts
    cross join recent_volume
),

final as (
    select
        '{{ invocation_id }}' as invocation_id,
        {{ run_started_instant() }} as run_started_at,

        -- the lakehouse after the run
        line_counts.raw_files,
        line_counts.raw_lines,
        verdict_counts.valid_lines,
        verdict_counts.quarantined_lines,
        event_counts.events,
        verdict_counts.valid_lines - event_counts.events as duplicate_lines_dropped,
        conflict_counts.conflicting_events,
        orphan_counts.orphan_refunds,
        gap_counts.spend_gap_days,
        verdict_counts.lines_with_unknown_fields,
        verdict_counts.lines_with_unknown_schema_version,
        event_counts.latest_event_ts,
        verdict_counts.quarantined_lines / nullif(line_counts.raw_lines, 0) as quarantine_rate,
        (verdict_counts.valid_lines - event_counts.events)
        / nullif(verdict_counts.valid_lines, 0) as duplicate_rate,
        conflict_counts.conflicting_events / nullif(event_counts.events, 0)
            as conflicting_duplicate_rate,

        -- the batch: what the run brought
        line_counts.new_raw_files,
        line_counts.new_raw_lines,
        verdict_counts.batch_valid_lines,
        verdict_counts.batch_quarantined_lines,
        verdict_counts.batch_events,
        event_counts.batch_late_events,
        conflict_counts.batch_conflicting_events,
        verdict_counts.batch_quarantined_lines
        / nullif(line_counts.new_raw_lines, 0) as batch_quarantine_rate,
        (verdict_counts.batch_valid_lines - event_counts.batch_stored_lines)
        / nullif(verdict_counts.batch_valid_lines, 0) as batch_duplicate_rate,
        conflict_counts.batch_conflicting_events
        / nullif(verdict_counts.batch_events, 0) as batch_conflicting_duplicate_rate,
        event_counts.batch_late_events
        / nullif(event_counts.batch_stored_lines, 0) as batch_late_event_rate,
        -- how far this run's volume is from the recent average, as a factor >= 1
        greatest(volume_history.volume_ratio, 1 / volume_history.volume_ratio)
            as batch_volume_deviation,
        {{ hours_between('event_counts.latest_event_ts', run_started_instant()) }}
            as hours_since_latest_event,

        -- what became of the run's gold: written by the run's on-run-end hook once its gates
        -- have judged it, and by a later release or drop (doc block `gold_publication`)
        cast(null as string) as publication_verdict
    from line_counts
    cross join verdict_counts
    cross join event_counts
    cross join conflict_counts
    cross join orphan_counts
    cross join gap_counts
    cross join volume_history
)

select * from final
