-- Bronze for subscriptions: each record of each export as JSON text with its file and
-- position. A file that is not UTF-8, not JSON or not an array is one row with the reason,
-- holding the file's text. Each file is a full export, so the table is rebuilt from the files.
-- (A file dropped by forget_file and unchanged since is left out: macro raw_files_dropped.)

with

files as (
    {{ read_raw_files(
        raw_file_glob('billing', 'subscriptions'),
        skip=raw_files_dropped('billing', 'subscriptions'),
    ) }}
),

documents as (
    select
        *,
        {{ json_document('file_text') }} as file_document
    from files
),

checked as (
    select
        *,
        case
            when file_text is null then 'unreadable_file'
            when file_document is null then 'invalid_json_file'
            when {{ list_item(json_types_at('file_document', ['$']), 1) }} <> 'ARRAY'
                then 'not_an_array'
        end as file_problem
    from documents
),

record_lists as (
    select
        source_file,
        {{ json_array_items('file_document') }} as records
    from checked
    where file_problem is null
),

records as (
    select
        source_file,
        record,
        record_index
    from record_lists
    {{ join_list_items('record_lists.records', 'numbered', 'record', 'record_index') }}
),

broken_files as (
    select
        source_file,
        cast(null as bigint) as record_index,
        -- the file as text; bytes that are not UTF-8 are shown escaped
        coalesce(file_text, content_text) as raw_record,
        cast(null as string) as record_json_type,
        file_problem
    from checked
    where file_problem is not null
),

renamed as (
    select
        -- ids
        source_file,
        cast(record_index as bigint) as record_index,

        -- strings
        {{ json_text('record') }} as raw_record,
        {{ list_item(json_types_at('record', ['$']), 1) }} as record_json_type,
        cast(null as string) as file_problem
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
