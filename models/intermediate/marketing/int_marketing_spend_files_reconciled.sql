-- Per spend file, line by line: each line is its header, or has exactly one verdict: accepted
-- (the first of its exact copies, counted into its day's total), quarantined with its
-- reason, or dropped as an exact copy of a named earlier row; and each day's total is made of
-- its accepted rows, no more, no fewer. A day total with no accepted row behind it belongs to
-- no file: it unbalances every file (doc block `record_reconciliation`).

with

lines as (
    select * from {{ ref('stg_marketing__spend_rows') }}
),

judged as (
    select * from {{ ref('int_marketing_spend_judged') }}
),

spend_daily as (
    select * from {{ ref('int_marketing_spend_summed_daily') }}
),

copies_ranked as (
    -- exact copies (the same day, channel and spend as written): the first counts, each later
    -- one names it
    select
        source_file,
        line_number,
        spend_date,
        channel,
        spend_usd,
        first_value(source_file) over (
            partition by spend_date, channel, spend_date_text, channel_text, spend_text
            order by source_file, line_number
        ) as first_copy_file,
        first_value(line_number) over (
            partition by spend_date, channel, spend_date_text, channel_text, spend_text
            order by source_file, line_number
        ) as first_copy_line
    from judged
    where quarantine_reason is null
),

accepted_by_day as (
    select
        spend_date,
        channel,
        count(*) as accepted_rows,
        sum(spend_usd) as accepted_spend_usd
    from copies_ranked
    where source_file = first_copy_file and line_number = first_copy_line
    group by spend_date, channel
),

days_matched as (
    -- a day's total that is exactly its accepted rows (a total that lost or doubled a row
    -- matches none)
    select
        accepted_by_day.spend_date,
        accepted_by_day.channel
    from accepted_by_day
    inner join spend_daily
        on
            accepted_by_day.spend_date = spend_daily.spend_date
            and accepted_by_day.channel = spend_daily.channel
            and accepted_by_day.accepted_rows = spend_daily.spend_rows
            and accepted_by_day.accepted_spend_usd = spend_daily.spend_usd
),

days_without_rows as (
    select count(*) as day_totals
    from spend_daily
    where not exists (
            select 1
            from accepted_by_day
            where
                accepted_by_day.spend_date = spend_daily.spend_date
                and accepted_by_day.channel = spend_daily.channel
        )
),

line_verdicts as (
    select
        lines.source_file,
        lines.line_number,
        count(judged.source_file) over (
            partition by lines.source_file, lines.line_number
        ) as judgements,
        judged.quarantine_reason,
        copies_ranked.first_copy_file,
        copies_ranked.first_copy_line,
        days_matched.spend_date is not null as is_in_its_day_total
    from lines
    left join judged
        on
            lines.source_file = judged.source_file
            and lines.line_number = judged.line_number
    left join copies_ranked
        on
            judged.source_file = copies_ranked.source_file
            and judged.line_number = copies_ranked.line_number
    left join days_matched
        on
            copies_ranked.spend_date = days_matched.spend_date
            and copies_ranked.channel = days_matched.channel
),

classified as (
    -- one row per line
    select
        source_file,
        line_number,
        case
            -- the file's first line is no row when it is its header (int_marketing_spend_judged)
            when judgements = 0 and line_number = 1 then 'header'
            -- no verdict, or two: the line is lost or counted twice
            when judgements <> 1 then null
            when quarantine_reason is not null then 'quarantined'
            when first_copy_file = source_file and first_copy_line = line_number
                then case when is_in_its_day_total then 'accepted' end
            -- a later exact copy of a row whose day counts it
            when is_in_its_day_total then 'duplicate'
        end as verdict
    from line_verdicts
    qualify row_number() over (partition by source_file, line_number order by first_copy_file) = 1
),

{{ file_ledger(
    'lines', 'lines', 'judged', ['header', 'accepted', 'quarantined', 'duplicate'],
    checks=['days_without_rows.day_totals = 0'],
    extra_columns=['days_without_rows.day_totals as day_totals_without_rows'],
    joins=['cross join days_without_rows'],
) }}

select * from final
