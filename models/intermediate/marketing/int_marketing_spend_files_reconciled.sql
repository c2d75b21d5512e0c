-- Per spend file: every line is its header, a spend row counted into the daily totals, an
-- exact copy of an earlier row (dropped), or quarantined (doc block `record_reconciliation`).

with

lines as (
    select * from {{ ref('stg_marketing__spend_rows') }}
),

judged as (
    select * from {{ ref('int_marketing_spend_judged') }}
),

raw_counts as (
    select
        source_file,
        count(*) as raw_lines
    from lines
    group by source_file
),

copies_ranked as (
    -- the first of exact copies (the same day, channel and spend as written) counts
    select
        source_file,
        row_number() over (
            partition by spend_date, channel, spend_date_text, channel_text, spend_text
            order by source_file, line_number
        ) as copy_number
    from judged
    where quarantine_reason is null
),

verdicts as (
    select
        source_file,
        count(*) filter (where quarantine_reason is null) as valid_lines,
        count(*) filter (where quarantine_reason is not null) as quarantined_lines
    from judged
    group by source_file
),

accepted as (
    select
        source_file,
        count(*) filter (where copy_number = 1) as accepted_lines
    from copies_ranked
    group by source_file
),

final as (
    select
        raw_counts.source_file,
        raw_counts.raw_lines,
        raw_counts.raw_lines
        - coalesce(verdicts.valid_lines, 0)
        - coalesce(verdicts.quarantined_lines, 0) as header_lines,
        coalesce(accepted.accepted_lines, 0) as accepted_lines,
        coalesce(verdicts.quarantined_lines, 0) as quarantined_lines,
        coalesce(verdicts.valid_lines, 0) - coalesce(accepted.accepted_lines, 0)
            as duplicate_lines_dropped,
        -- at most the one header line is neither a row nor quarantined
        raw_counts.raw_lines - coalesce(verdicts.valid_lines, 0)
        - coalesce(verdicts.quarantined_lines, 0) in (0, 1) as is_balanced
    from raw_counts
    left join verdicts on raw_counts.source_file = verdicts.source_file
    left join accepted on raw_counts.source_file = accepted.source_file
)

select * from final
