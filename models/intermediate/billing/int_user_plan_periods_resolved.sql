-- Which subscription is each customer's plan, and from when to when: one row per customer and
-- uninterrupted stretch of one subscription, end exclusive (doc block `plan_periods`).
-- MRR is read from these periods, so overlapping subscriptions are never counted twice.

with

subscriptions as (
    select * from {{ ref('int_subscriptions_deduplicated') }}
),

subscription_spans as (
    select
        subscription_id,
        user_id,
        plan_id,
        price_usd,
        start_date,
        created_at,
        case
            when end_date is not null then end_date
            -- canceled without an end date: it ran for the one billing month it was paid for
            when status = 'canceled' then cast(start_date + interval 1 month as date)
        end as end_date
    from subscriptions
),

-- an end on or before the start never makes the subscription active on any day
live_spans as (
    select * from subscription_spans
    where end_date is null or end_date > start_date
),

-- the days on which a customer's set of live subscriptions can change
boundaries as (
    select
        user_id,
        start_date as boundary_date
    from live_spans
    union
    select
        user_id,
        end_date as boundary_date
    from live_spans
    where end_date is not null
),

elementary_intervals as (
    select
        user_id,
        boundary_date as interval_start,
        lead(boundary_date) over (partition by user_id order by boundary_date) as interval_end
    from boundaries
),

-- on each interval the live subscription that started last is the plan (an upgrade or a
-- downgrade replaces the older one from its start); ties: later created_at, then greater id
interval_plans as (
    select
        elementary_intervals.user_id,
        elementary_intervals.interval_start,
        elementary_intervals.interval_end,
        live_spans.subscription_id,
        live_spans.plan_id,
        live_spans.price_usd
    from elementary_intervals
    inner join live_spans
        on elementary_intervals.user_id = live_spans.user_id
            and elementary_intervals.interval_start >= live_spans.start_date
            and (
                live_spans.end_date is null
                or elementary_intervals.interval_start < live_spans.end_date
            )
    qualify row_number() over (
            partition by elementary_intervals.user_id, elementary_intervals.interval_start
            order by
                live_spans.start_date desc,
                live_spans.created_at desc,
                live_spans.subscription_id desc
        ) = 1
),

-- glue back-to-back intervals of the same subscription into one period (gaps and islands)
period_starts as (
    select
        *,
        case
            when lag(subscription_id) over by_customer = subscription_id
                and lag(interval_end) over by_customer = interval_start
                then 0
            else 1
        end as starts_period
    from interval_plans
    window by_customer as (partition by user_id order by interval_start)
),

numbered_periods as (
    select
        *,
        sum(starts_period) over (
            partition by user_id order by interval_start rows unbounded preceding
        ) as period_number
    from period_starts
),

final as (
    select
        user_id,
        subscription_id,
        plan_id,
        cast(price_usd as decimal(38, 10)) as mrr_usd,
        min(interval_start) as valid_from,
        -- an open-ended last interval keeps the period open
        case when bool_or(interval_end is null) then null else max(interval_end) end as valid_to
    from numbered_periods
    group by user_id, period_number, subscription_id, plan_id, price_usd
)

select * from final
