-- Bronze for subscriptions: each record of each export as JSON text with its file and
-- position. A file that is not UTF-8, not JSON or not an array is one row with the reason,
-- holding the file's text. Each file is a full export, so the table is rebuilt from the files.

with

source as (
    select * from {{ raw_source('billing', 'subscriptions') }}
),

files as (
    select
        parse_filename(filename) as source_file,
        try(decode(content)) as file_text,
        content
    from source
),

checked as (
    -- JSON functions raise on invalid JSON even behind an AND: each test guards the next
    select
        *,
        case
            when file_text is null then 'unreadable_file'
            when not json_valid(file_text) then 'invalid_json_file'
            when json_type(file_text) <> 'ARRAY' then 'not_an_array'
        end as file_problem
    from files
),

record_lists as (
    select
        source_file,
        json_extract(case when file_problem is null then file_text end, '$[*]') as records
    from checked
),

records as (
    select
        source_file,
        unnest(records) as record,
        generate_subscripts(records, 1) as record_index
    from record_lists
),

broken_files as (
    select
        source_file,
        null::bigint as record_index,
        -- the file as text; bytes that are not UTF-8 are shown escaped
        coalesce(file_text, content::varchar) as raw_record,
        null::varchar as record_json_type,
        file_problem
    from checked
    where file_problem is not null
),

renamed as (
    select
        -- ids
        source_file,
        record_index::bigint as record_index,

        -- strings
        record::varchar as raw_record,
        json_type(record) as record_json_type,
        null::varchar as file_problem
    from records
    union all
    select
        source_file,
        record_index,
        raw_record,
        record_json_type,
        file_problem
    from broken_files
)

select * from renamed
