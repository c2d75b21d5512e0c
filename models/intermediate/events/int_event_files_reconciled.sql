-- Per events file: every raw line is accepted (the stored version of its event), quarantined,
-- or dropped as a later copy or a losing version. A bronze line without a verdict breaks the
-- balance and fails the build; test assert_every_valid_event_is_stored checks that no valid
-- event is missing from silver. Counts only: cheap at any size (DESIGN.md, "Reconciliation").

with

raw_lines as (
    select
        source_file,
        count(*) as raw_lines
    from {{ ref('stg_app__event_lines') }}
    group by source_file
),

verdicts as (
    select
        source_file,
        count(*) filter (where quarantine_reason is null) as valid_lines,
        count(*) filter (where quarantine_reason is not null) as quarantined_lines
    from {{ ref('int_events_parsed') }}
    group by source_file
),

on_disk as (
    -- the files now on disk (names and sizes only: no content is read)
    select file_name as source_file
    from ({{ raw_files_on_disk(raw_file_glob('app', 'events')) }}) as listed
),

accepted as (
    -- a stored event points at the line where its winning content was first seen
    select
        source_file,
        count(*) as accepted_lines
    from {{ ref('int_events_deduplicated') }}
    group by source_file
),

final as (
    select
        raw_lines.source_file,
        raw_lines.raw_lines,
        coalesce(accepted.accepted_lines, 0) as accepted_lines,
        coalesce(verdicts.quarantined_lines, 0) as quarantined_lines,
        coalesce(verdicts.valid_lines, 0) - coalesce(accepted.accepted_lines, 0)
            as duplicate_lines_dropped,
        raw_lines.raw_lines = coalesce(verdicts.valid_lines, 0)
        + coalesce(verdicts.quarantined_lines, 0)
        and coalesce(accepted.accepted_lines, 0) <= coalesce(verdicts.valid_lines, 0)
            as is_balanced,
        -- a file deleted after it was read still counts, but is reported
        on_disk.source_file is not null as is_on_disk
    from raw_lines
    left join verdicts on raw_lines.source_file = verdicts.source_file
    left join accepted on raw_lines.source_file = accepted.source_file
    left join on_disk on raw_lines.source_file = on_disk.source_file
)

select * from final
