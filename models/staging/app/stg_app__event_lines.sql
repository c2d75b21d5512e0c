{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ reset_rejected_lines() }}",
        post_hook="{{ record_rejected_lines(this, 'app', 'events') }}",
    )
}}

-- Bronze: every line of every events file, kept as text. Only new files, and the new tail of
-- grown files, are read (DESIGN.md, "Bronze"). The scan names the source only when files are
-- new, which dbt does not see at parse time; this line puts the source in the lineage, so
-- that `source:app.events+` selects this model and all that it feeds.
-- depends_on: {{ source('app', 'events') }}
{%- set files = raw_files_to_ingest('app', 'events') %}

with

source as (
    {{ read_raw_lines('app', 'events', files) }}
),

renamed as (
    select
        -- ids
        file_name::varchar as source_file,
        decoded_line_index::bigint as line_number,

        -- strings: an empty line is read as null; store it as the empty text it is
        coalesce(line, '') as raw_line,
        -- the md5 digest as a 128-bit number: hex text costs more to write than the hash itself
        md5_number(coalesce(line, '')) as line_hash,
        null::varchar as reader_error,

        -- numerics
        file_size_bytes::bigint as file_size_bytes,

        -- ingestion
        '{{ invocation_id }}'::varchar as ingest_invocation_id,
        '{{ run_started_at }}'::timestamptz as ingested_at
    from source
)

select * from renamed
