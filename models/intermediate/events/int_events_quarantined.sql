{{ config(materialized='view') }}

-- Every events line that did not reach silver, with the raw text to audit or replay it.

with

parsed as (
    select * from {{ ref('int_events_parsed') }}
),

final as (
    select
        source_file,
        line_number,
        quarantine_reason,
        raw_line,
        ingested_at
    from parsed
    where quarantine_reason is not null
)

select * from final
