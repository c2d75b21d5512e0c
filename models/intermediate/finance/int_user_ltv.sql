{{ config(materialized='table') }}

-- Lifetime value of every known user up to the as-of day: purchases minus refunds in USD,
-- unrounded (DESIGN.md, "Lifetime value"). Users who never paid are here with zero.

with

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

users as (
    select * from {{ ref('int_users') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions') }}
),

conversions as (
    select * from {{ ref('int_paid_conversions') }}
),

as_of as (
    select max(date_day) as date_day from calendar
),

-- only what daily_revenue_net shows by the as-of day, so the two always add up to the same
revenue_by_user as (
    select
        transactions.user_id,
        sum(transactions.amount_usd) filter (where transactions.transaction_type = 'purchase')
            as gross_revenue_usd,
        sum(transactions.amount_usd) filter (where transactions.transaction_type = 'refund')
            as refunds_usd
    from transactions
    cross join as_of
    where transactions.recognized_date <= as_of.date_day
    group by transactions.user_id
),

converters as (
    select conversions.user_id
    from conversions
    cross join as_of
    where conversions.conversion_date <= as_of.date_day
),

-- as of the as-of day: a signup after it has not happened yet
users_as_of as (
    select
        users.user_id,
        users.first_seen_date,
        coalesce(users.has_signup and users.signup_date <= as_of.date_day, false) as has_signup,
        users.channel
    from users
    cross join as_of
    where users.first_seen_date <= as_of.date_day
),

final as (
    select
        users_as_of.user_id,
        case when users_as_of.has_signup then users_as_of.channel else 'Unknown' end as channel,
        users_as_of.has_signup,
        users_as_of.has_signup and converters.user_id is not null as is_paid_converter,
        cast(coalesce(revenue_by_user.gross_revenue_usd, 0) as decimal(38, 10))
            as gross_revenue_usd,
        cast(coalesce(revenue_by_user.refunds_usd, 0) as decimal(38, 10)) as refunds_usd,
        cast(
            coalesce(revenue_by_user.gross_revenue_usd, 0)
            - coalesce(revenue_by_user.refunds_usd, 0)
            as decimal(38, 10)
        ) as ltv_usd
    from users_as_of
    left join revenue_by_user
        on users_as_of.user_id = revenue_by_user.user_id
    left join converters
        on users_as_of.user_id = converters.user_id
)

select * from final
