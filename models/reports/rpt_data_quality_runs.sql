{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- One row per run: the state of the lakehouse after the run, and what the run brought. The
-- data-quality gates (tests on this model, thresholds from vars) read the latest row (doc
-- block `data_quality_gates`).

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

line_counts as (
    select
        count(*) as raw_lines,
        count(*) filter (where ingest_invocation_id = '{{ invocation_id }}') as new_raw_lines,
        count(distinct source_file) as raw_files,
        count(distinct source_file) filter (
            where ingest_invocation_id = '{{ invocation_id }}'
        ) as new_raw_files
    from event_lines
),

verdict_counts as (
    select
        count(*) filter (where quarantine_reason is not null) as quarantined_lines,
        count(*) filter (where quarantine_reason is null) as valid_lines,
        count(*) filter (
            where quarantine_reason is null and extra_fields is not null
        ) as lines_with_unknown_fields,
        count(*) filter (
            where quarantine_reason is null and schema_version not in (1, 2)
        ) as lines_with_unknown_schema_version
    from parsed
),

file_max_ts as (
    -- a late event arrived in a file after another file that held a later event
    select
        source_file,
        max(event_ts) as max_event_ts
    from parsed
    where quarantine_reason is null
    group by source_file
),

previous_files_max_ts as (
    select
        source_file,
        max(max_event_ts) over (
            order by source_file rows between unbounded preceding and 1 preceding
        ) as earlier_files_max_event_ts
    from file_max_ts
),

late_counts as (
    select count(*) as late_events
    from events
    inner join previous_files_max_ts
        on events.source_file = previous_files_max_ts.source_file
    where events.event_ts < previous_files_max_ts.earlier_files_max_event_ts
),

event_counts as (
    select
        count(*) as events,
        max(event_ts) as latest_event_ts
    from events
),

conflict_counts as (
    -- events whose valid versions differ in content
    select count(*) as conflicting_events
    from duplicated_events
    where distinct_contents > 1
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
        select null::double as avg_new_raw_lines
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
        '{{ run_started_at }}'::timestamptz as run_started_at,
        line_counts.raw_files,
        line_counts.new_raw_files,
        line_counts.raw_lines,
        line_counts.new_raw_lines,
        verdict_counts.valid_lines,
        verdict_counts.quarantined_lines,
        event_counts.events,
        verdict_counts.valid_lines - event_counts.events as duplicate_lines_dropped,
        conflict_counts.conflicting_events,
        late_counts.late_events,
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
        late_counts.late_events / nullif(event_counts.events, 0) as late_event_rate,
        -- how far this run's volume is from the recent average, as a factor >= 1
        greatest(volume_history.volume_ratio, 1 / volume_history.volume_ratio)
            as batch_volume_deviation,
        date_diff('hour', event_counts.latest_event_ts, '{{ run_started_at }}'::timestamptz)
            as hours_since_latest_event
    from line_counts
    cross join verdict_counts
    cross join late_counts
    cross join event_counts
    cross join conflict_counts
    cross join orphan_counts
    cross join gap_counts
    cross join volume_history
)

select * from final
