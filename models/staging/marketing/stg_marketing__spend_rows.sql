-- Bronze for marketing spend: every data row of every spend file, values kept as text with
-- the file and line they came from; typing and judging happen in silver.

with

source as (
    -- line 1 of each file is its header
    {{ number_rows_per_file(source('marketing', 'spend'), first_number=2) }}
),

renamed as (
    select
        -- ids
        parse_filename(filename) as source_file,
        position_in_file as line_number,

        -- strings, as written
        date as spend_date_text,
        channel as channel_text,
        spend as spend_text
    from source
)

select * from renamed
