-- Silver for spend, step 2: one row per day and channel. Exact duplicate rows (same day,
-- channel and amount as written) are one delivery sent twice and count once; distinct rows
-- for the same day and channel are separate spends and add up (doc block `spend_rules`).

with

valid_rows as (
    select * from {{ ref('int_marketing_spend_judged') }}
    where quarantine_reason is null
),

distinct_rows as (
    select distinct
        spend_date,
        channel,
        spend_date_text,
        channel_text,
        spend_text,
        spend_usd
    from valid_rows
),

final as (
    select
        spend_date,
        channel,
        sum(spend_usd) as spend_usd,
        count(*) as spend_rows
    from distinct_rows
    group by spend_date, channel
)

select * from final
