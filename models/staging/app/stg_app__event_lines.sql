{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=[
            "{{ settle_raw_lines(this, 'app', 'events') }}",
            "{{ record_raw_file_reads(this, 'app', 'events') }}",
        ],
    )
}}

-- Bronze: every line of every events file, kept as text. Only new files, and grown files from
-- their last stored line on, are read (DESIGN.md, "Bronze"). raw_files_to_ingest names the
-- source whether or not files are read, so `source:app.events+` selects this model and all
-- that it feeds.
{%- set files = raw_files_to_ingest('app', 'events') %}

with

-- each line with its file, number and run (macro read_raw_lines: the columns are the same for
-- every raw-lines model)
lines as (
    {{ read_raw_lines(files) }}
)

select * from lines
