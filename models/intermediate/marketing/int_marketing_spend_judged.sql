-- Silver for spend, step 1: each raw row typed, its channel mapped to the canonical name, and
-- the first rule it breaks as its quarantine reason (doc block `spend_rules`).

with

spend_rows as (
    select * from {{ ref('stg_marketing__spend_rows') }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

typed as (
    select
        spend_rows.*,
        try_cast(spend_rows.spend_date_text as date) as spend_date,
        try_cast(spend_rows.spend_text as decimal(18, 4)) as spend_usd,
        channel_aliases.channel
    from spend_rows
    left join channel_aliases
        on {{ channel_alias_key('spend_rows.channel_text') }} = channel_aliases.alias
),

judged as (
    select
        *,
        case
            when spend_date is null then 'invalid_date'
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
        quarantine_reason
    from judged
)

select * from final
