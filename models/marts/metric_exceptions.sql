-- What the metric rules leave out or bend, counted so that no reader has to guess from the
-- gold tables (DESIGN.md, "Metric exceptions"): users without a signup (no cohort, not a
-- conversion), signups whose channel the alias seed does not know, refunds dated before their
-- purchase or without a known purchase, and days without spend inside a channel's spend range.

with

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

user_ltv as (
    select * from {{ ref('int_user_ltv') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions') }}
),

spend_gaps as (
    select * from {{ ref('int_marketing_spend_gaps') }}
),

calendar_bounds as (
    select
        min(date_day) as first_date,
        max(date_day) as last_date
    from calendar
),

user_exceptions as (
    select
        'cohorts' as area,
        'user_without_signup' as exception,
        cast(null as varchar) as channel,
        count(*) filter (where not has_signup) as occurrences,
        cast(null as decimal(38, 10)) as amount_usd
    from user_ltv

    union all

    select
        'acquisition' as area,
        'signup_channel_unknown' as exception,
        cast(null as varchar) as channel,
        count(*) filter (where has_signup and channel = 'Unknown') as occurrences,
        cast(null as decimal(38, 10)) as amount_usd
    from user_ltv
),

-- the same as-of window as daily_revenue_net, so the amounts can be read against it
refunds as (
    select transactions.*
    from transactions
    cross join calendar_bounds
    where
        transactions.transaction_type = 'refund'
        and transactions.recognized_date <= calendar_bounds.last_date
),

refund_exceptions as (
    select
        'revenue' as area,
        'refund_before_purchase' as exception,
        cast(null as varchar) as channel,
        count(*) filter (where is_refund_before_purchase) as occurrences,
        coalesce(sum(amount_usd) filter (where is_refund_before_purchase), 0) as amount_usd
    from refunds

    union all

    select
        'revenue' as area,
        'orphan_refund' as exception,
        cast(null as varchar) as channel,
        count(*) filter (where is_orphan_refund) as occurrences,
        coalesce(sum(amount_usd) filter (where is_orphan_refund), 0) as amount_usd
    from refunds

    union all

    select
        'revenue' as area,
        'refund_above_purchase' as exception,
        cast(null as varchar) as channel,
        count(*) filter (where is_refund_above_purchase) as occurrences,
        coalesce(sum(amount_usd) filter (where is_refund_above_purchase), 0) as amount_usd
    from refunds
),

spend_gap_exceptions as (
    select
        'acquisition' as area,
        'spend_gap_day' as exception,
        spend_gaps.channel,
        count(*) as occurrences,
        cast(null as decimal(38, 10)) as amount_usd
    from spend_gaps
    cross join calendar_bounds
    where spend_gaps.missing_date between calendar_bounds.first_date and calendar_bounds.last_date
    group by spend_gaps.channel
),

unioned as (
    select * from user_exceptions
    union all
    select * from refund_exceptions
    union all
    select * from spend_gap_exceptions
),

final as (
    select
        area,
        exception,
        channel,
        cast(occurrences as bigint) as occurrences,
        cast(round(amount_usd, 2) as decimal(18, 2)) as amount_usd
    from unioned
)

select
    area,
    exception,
    channel,
    occurrences,
    amount_usd
from final
order by area, exception, channel
