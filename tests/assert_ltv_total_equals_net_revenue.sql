-- Lifetime value sums to net revenue: ltv_per_user and daily_revenue_net cover the same
-- purchases and refunds up to the as-of day. Compared exactly, on the unrounded amounts each
-- table rounds (per user: int_user_revenue_summed; per calendar day: the recognized
-- transactions), with no tolerance that grows with the data. Each published gross and refund
-- amount is then checked to be its own exact amount rounded to cents: the published totals
-- can differ only by that rounding, half a cent per amount at most, and nothing else.
with

user_revenue as (
    select * from {{ ref('int_user_revenue_summed') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions_recognized') }}
),

calendar as (
    select * from {{ ref('util_calendar_days') }}
),

ltv_per_user as (
    select * from {{ ref('ltv_per_user') }}
),

daily_revenue_net as (
    select * from {{ ref('daily_revenue_net') }}
),

exact_days as (
    -- daily_revenue_net's amounts before rounding: the transactions recognized on each day
    select
        calendar.date_day,
        coalesce(sum(transactions.amount_usd) filter (
            where transactions.transaction_type = 'purchase'
        ), 0) as gross_revenue_usd,
        coalesce(sum(transactions.amount_usd) filter (
            where transactions.transaction_type = 'refund'
        ), 0) as refunds_usd
    from calendar
    left join transactions
        on calendar.date_day = transactions.recognized_date
    group by calendar.date_day
),

exact_totals as (
    select
        (select sum(gross_revenue_usd - refunds_usd) from user_revenue) as ltv_total_usd,
        (select sum(gross_revenue_usd - refunds_usd) from exact_days) as net_revenue_total_usd
),

totals_differ as (
    select
        'exact LTV total is not exact net revenue' as failure,
        cast(null as string) as failing_key,
        ltv_total_usd - net_revenue_total_usd as difference_usd
    from exact_totals
    where ltv_total_usd is distinct from net_revenue_total_usd
),

users_not_rounded as (
    -- a published user is its exact amounts rounded, and every user is published
    select
        'ltv_per_user is not its exact amounts rounded' as failure,
        coalesce(ltv_per_user.user_id, user_revenue.user_id) as failing_key,
        ltv_per_user.ltv_usd - (user_revenue.gross_revenue_usd - user_revenue.refunds_usd)
            as difference_usd
    from ltv_per_user
    full outer join user_revenue
        on ltv_per_user.user_id = user_revenue.user_id
    where
        ltv_per_user.gross_revenue_usd
        is distinct from {{ round_to_cents('user_revenue.gross_revenue_usd') }}
        or ltv_per_user.refunds_usd
        is distinct from {{ round_to_cents('user_revenue.refunds_usd') }}
),

days_not_rounded as (
    select
        'daily_revenue_net is not its exact amounts rounded' as failure,
        cast(coalesce(daily_revenue_net.date, exact_days.date_day) as string) as failing_key,
        daily_revenue_net.net_revenue_usd
        - (exact_days.gross_revenue_usd - exact_days.refunds_usd) as difference_usd
    from daily_revenue_net
    full outer join exact_days
        on daily_revenue_net.date = exact_days.date_day
    where
        daily_revenue_net.gross_revenue_usd
        is distinct from {{ round_to_cents('exact_days.gross_revenue_usd') }}
        or daily_revenue_net.refunds_usd
        is distinct from {{ round_to_cents('exact_days.refunds_usd') }}
)

select * from totals_differ
union all
select * from users_not_rounded
union all
select * from days_not_rounded
