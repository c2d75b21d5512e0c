-- Silver for spend, step 1: each data line of each spend file split into its fields, mapped by
-- the file's own header, typed, its channel mapped to the canonical name, and the first rule
-- it breaks as its quarantine reason (doc block `spend_quarantine_reasons`).

with

lines as (
    select * from {{ ref('stg_marketing__spend_rows') }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

split as (
    select
        *,
        case when reader_error is null then {{ csv_fields('raw_line') }} end as field_values
    from lines
),

headers as (
    -- line 1 of a file is its header when it names the three columns (in any order, among
    -- others); otherwise the file has none, and no line of it can be read safely
    select
        source_file,
        {{ list_transform('field_values', 'header', 'lower(trim(header))') }} as column_names
    from split
    where line_number = 1
),

header_positions as (
    select
        source_file,
        {{ list_length('column_names') }} as field_count,
        {{ list_position_of('column_names', "'date'") }} as date_position,
        {{ list_position_of('column_names', "'channel'") }} as channel_position,
        {{ list_position_of('column_names', "'spend'") }} as spend_position
    from headers
),

with_header as (
    select
        split.*,
        header_positions.field_count as header_field_count,
        header_positions.date_position is not null
        and header_positions.channel_position is not null
        and header_positions.spend_position is not null as file_has_header,
        {{ list_item('split.field_values', 'header_positions.date_position') }} as spend_date_text,
        {{ list_item('split.field_values', 'header_positions.channel_position') }} as channel_text,
        {{ list_item('split.field_values', 'header_positions.spend_position') }} as spend_text
    from split
    left join header_positions
        on split.source_file = header_positions.source_file
),

data_lines as (
    -- the header itself is no spend row (int_marketing_spend_files_reconciled counts it)
    select * from with_header
    where not (file_has_header and line_number = 1)
),

typed as (
    select
        data_lines.*,
        {{ try_date('data_lines.spend_date_text') }} as spend_date,
        try_cast(data_lines.spend_text as decimal(18, 4)) as spend_usd,
        channel_aliases.channel
    from data_lines
    left join channel_aliases
        on {{ channel_alias_key('data_lines.channel_text') }} = channel_aliases.alias
),

judged as (
    select
        *,
        case
            when reader_error is not null then 'unreadable_line'
            when not file_has_header then 'missing_header'
            when raw_line = '' then 'empty_line'
            when {{ list_length('field_values') }} <> header_field_count then 'wrong_field_count'
            when spend_date is null then 'invalid_date'
            -- a typo such as 2204 would stretch every gold calendar to that year
            when {{ outside_valid_dates('spend_date') }} then 'date_out_of_range'
            when nullif(trim(channel_text), '') is null then 'missing_channel'
            when channel is null then 'unknown_channel'
            when spend_usd is null then 'invalid_spend'
            when spend_usd < 0 then 'negative_spend'
        end as quarantine_reason
    from typed
),

final as (
    select
        source_file,
        line_number,
        spend_date,
        channel,
        spend_usd,
        spend_date_text,
        channel_text,
        spend_text,
        quarantine_reason,
        case when quarantine_reason is not null then raw_line end as raw_line
    from judged
)

select * from final
