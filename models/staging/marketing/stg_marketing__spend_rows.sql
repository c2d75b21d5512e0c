{{ config(materialized='table') }}

-- Bronze for marketing spend: every data row of every spend file, values kept as text with
-- the file and line they came from; typing and judging happen in silver.

with

source as (
    select
        date,
        channel,
        spend,
        filename,
        -- numbers rows across all files of the glob, in file order (DESIGN.md, "Bronze")
        ordinality
    from {{ source('marketing', 'spend') }} with ordinality
),

renamed as (
    select
        -- ids: line 1 is the header
        parse_filename(filename) as source_file,
        ordinality - min(ordinality) over (partition by filename) + 2 as line_number,

        -- strings, as written
        date as spend_date_text,
        channel as channel_text,
        spend as spend_text
    from source
)

select * from renamed
