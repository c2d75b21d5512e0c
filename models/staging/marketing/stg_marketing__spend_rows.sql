{{
    config(
        post_hook="{{ settle_raw_lines(this, 'marketing', 'spend') }}",
    )
}}

-- Bronze for marketing spend: every line of every spend file, header included, kept as text
-- with the file and line it came from; silver splits it into fields and judges it. The files
-- are small full exports, so the table is rebuilt from them on each run.
{%- set files = raw_files_to_ingest('marketing', 'spend') %}

with

-- each line with its file, number and run (macro read_raw_lines: the columns are the same for
-- every raw-lines model)
lines as (
    {{ read_raw_lines(files) }}
)

select * from lines
