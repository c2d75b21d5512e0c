{{ config(materialized='view') }}

-- Per events file: every raw line is accepted (the stored version of its event), quarantined,
-- or dropped as a duplicate of the stored version. A line in none of these, or a version
-- whose event is missing from silver, breaks the balance and fails the build.

with

raw_lines as (
    select
        source_file,
        count(*) as raw_lines
    from {{ ref('stg_app__event_lines') }}
    group by source_file
),

quarantined as (
    select
        source_file,
        count(*) as quarantined_lines
    from {{ ref('int_events_quarantined') }}
    group by source_file
),

versions as (
    select
        source_file,
        count(*) filter (where is_winner) as accepted_lines,
        count(*) filter (where not is_winner) as duplicate_lines_dropped,
        count(*) filter (where not is_winner and is_conflicting) as conflicting_lines_dropped
    from {{ ref('int_event_versions_audited') }}
    -- a version whose event has no stored row counts nowhere
    where winner_source_file is not null
    group by source_file
),

final as (
    select
        raw_lines.source_file,
        raw_lines.raw_lines,
        coalesce(versions.accepted_lines, 0) as accepted_lines,
        coalesce(quarantined.quarantined_lines, 0) as quarantined_lines,
        coalesce(versions.duplicate_lines_dropped, 0) as duplicate_lines_dropped,
        coalesce(versions.conflicting_lines_dropped, 0) as conflicting_lines_dropped,
        raw_lines.raw_lines = (
            coalesce(versions.accepted_lines, 0)
            + coalesce(quarantined.quarantined_lines, 0)
            + coalesce(versions.duplicate_lines_dropped, 0)
        ) as is_balanced
    from raw_lines
    left join quarantined on raw_lines.source_file = quarantined.source_file
    left join versions on raw_lines.source_file = versions.source_file
)

select * from final
