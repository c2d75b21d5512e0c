-- Per events file: every raw line is accepted (the stored version of its event), quarantined,
-- or dropped as a later copy or a losing version. A bronze line without a verdict breaks the
-- balance and fails the build; test assert_every_valid_event_is_stored checks that no valid
-- event is missing from silver. Counts only, not line by line as for subscriptions and spend:
-- cheap at any size (DESIGN.md, "Reconciliation").

with

bronze_lines as (
    select * from {{ ref('stg_app__event_lines') }}
),

verdicts as (
    select
        source_file,
        count(*) filter (where quarantine_reason is null) as valid_lines,
        count(*) filter (where quarantine_reason is not null) as quarantined_lines,
        count(*) as judged_lines
    from {{ ref('int_events_parsed') }}
    group by source_file
),

accepted as (
    -- a stored event points at the line where its winning content was first seen
    select
        source_file,
        count(*) as accepted_lines
    from {{ ref('int_events_deduplicated') }}
    group by source_file
),

counted as (
    select
        verdicts.source_file,
        coalesce(accepted.accepted_lines, 0) as accepted_lines,
        verdicts.quarantined_lines,
        -- later copies and losing versions; negative if more events than valid lines were stored
        verdicts.valid_lines - coalesce(accepted.accepted_lines, 0) as duplicate_lines_dropped
    from verdicts
    left join accepted on verdicts.source_file = accepted.source_file
),

on_disk as (
    -- the files now on disk (names and sizes only: no content is read)
    select file_name as source_file
    from ({{ raw_files_on_disk(raw_file_glob('app', 'events')) }}) as listed
),

{{ file_ledger(
    'lines', 'bronze_lines', 'verdicts', ['accepted', 'quarantined', 'duplicate'],
    counted='counted', judged_counted=true,
    checks=['coalesce(verdict_counts.duplicate_lines_dropped, 0) >= 0'],
    trailing_columns=['on_disk.source_file is not null as is_on_disk'],
    joins=['left join on_disk on files.source_file = on_disk.source_file'],
) }}

select * from final
