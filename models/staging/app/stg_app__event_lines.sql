{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ reset_rejected_lines() }}",
        post_hook="{{ settle_raw_lines(this, 'app', 'events') }}",
    )
}}

-- Bronze: every line of every events file, kept as text. Only new files, and grown files from
-- their last stored line on, are read (DESIGN.md, "Bronze"). The scan names the source only
-- when files are new, which dbt does not see at parse time; this line puts the source in the
-- lineage, so that `source:app.events+` selects this model and all that it feeds.
-- depends_on: {{ source('app', 'events') }}
{%- set files = raw_files_to_ingest('app', 'events') %}

with

-- each line with its file, number and run (macro read_raw_lines: the columns are the same for
-- every raw-lines model)
lines as (
    {{ read_raw_lines(files) }}
)

select * from lines
