-- Bronze for subscriptions: each record of each export kept as raw JSON with its file and
-- position, beside its fields cast leniently (a value that does not cast is null here and
-- judged in silver). Each file is a full export, so the table is rebuilt from the files.

with

source as (
    {{ number_rows_per_file(source('billing', 'subscriptions')) }}
),

renamed as (
    select
        -- ids
        parse_filename(filename) as source_file,
        position_in_file as record_index,
        nullif(trim(json ->> 'subscription_id'), '') as subscription_id,
        nullif(trim(json ->> 'user_id'), '') as user_id,
        nullif(lower(trim(json ->> 'plan_id')), '') as plan_id,

        -- strings
        upper(trim(json ->> 'currency')) as currency,
        lower(trim(json ->> 'status')) as status,
        json::varchar as raw_record,

        -- numerics: only a JSON number is a price
        case
            when json_type(json -> 'price') in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(json ->> 'price' as decimal(18, 4))
        end as price,

        -- dates and timestamps
        json ->> 'start_date' as start_date_text,
        json ->> 'end_date' as end_date_text,
        try_cast(json ->> 'start_date' as date) as start_date,
        try_cast(json ->> 'end_date' as date) as end_date,
        try_cast(json ->> 'created_at' as timestamptz) as created_at
    from source
)

select * from renamed
