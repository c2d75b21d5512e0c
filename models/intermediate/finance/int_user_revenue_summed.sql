{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='user_id',
        on_schema_change='fail',
    )
}}

-- Every known user up to the as-of day with their purchases and refunds in USD, unrounded:
-- the inputs of their lifetime value. Users who never paid are here with zeros. Incremental:
-- a run recomputes the users it touched (macro touched_users).
{%- do recompute_keys(touched_users(as_of_column='as_of_date')) %}

with

calendar_bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

users as (
    select * from {{ ref('int_users_attributed') }}
    where {{ recomputed('user_id') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions_recognized') }}
    where {{ recomputed('user_id') }}
),

conversions as (
    select * from {{ ref('int_users_converted') }}
    where {{ recomputed('user_id') }}
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
    cross join calendar_bounds
    where transactions.recognized_date <= calendar_bounds.as_of_date
    group by transactions.user_id
),

converters as (
    select conversions.user_id
    from conversions
    cross join calendar_bounds
    where conversions.conversion_date <= calendar_bounds.as_of_date
),

-- as of the as-of day: a signup after it has not happened yet
users_as_of as (
    select
        users.user_id,
        coalesce(
            users.has_signup and users.signup_date <= calendar_bounds.as_of_date, false
        ) as has_signup,
        users.channel
    from users
    cross join calendar_bounds
    where users.first_seen_date <= calendar_bounds.as_of_date
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
        -- the as-of day the row was computed for, and the run: what follows recomputes changes
        calendar_bounds.as_of_date,
        {{ run_started_instant() }} as computed_at
    from users_as_of
    cross join calendar_bounds
    left join revenue_by_user
        on users_as_of.user_id = revenue_by_user.user_id
    left join converters
        on users_as_of.user_id = converters.user_id
)

select * from final
