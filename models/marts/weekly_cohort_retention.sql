-- Weekly retention of signup cohorts: for each cohort week and each week since, how many of its
-- users had at least one valid event, up to the as-of week (doc block `cohort_retention`,
-- models/marts/_marts__docs.md). Users without a signup have no cohort; metric_exceptions
-- counts them.

with

calendar_bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

users as (
    select * from {{ ref('int_users_attributed') }}
),

events as (
    select * from {{ ref('int_events_deduplicated') }}
),

-- signups and events after the as-of day are not reported yet, even inside the as-of week
cohort_members as (
    select
        users.user_id,
        users.cohort_week
    from users
    cross join calendar_bounds
    where
        users.has_signup
        and users.signup_date <= calendar_bounds.as_of_date
),

cohorts as (
    select
        cohort_week,
        count(*) as cohort_size
    from cohort_members
    group by cohort_week
),

-- every week from the cohort's own to the as-of week, so quiet weeks show zero
cohort_weeks as (
    select
        cohorts.cohort_week,
        cohorts.cohort_size,
        cast(
            unnest(range(0, (calendar_bounds.as_of_week - cohorts.cohort_week) // 7 + 1))
            as integer
        ) as weeks_since_signup
    from cohorts
    cross join calendar_bounds
),

-- distinct first, so the join to cohorts sees one row per user and week, not per event
user_active_weeks as (
    select distinct
        events.user_id,
        cast(date_trunc('week', events.event_date) as date) as week_start
    from events
    cross join calendar_bounds
    where events.event_date <= calendar_bounds.as_of_date
),

member_active_weeks as (
    select
        cohort_members.cohort_week,
        cast((user_active_weeks.week_start - cohort_members.cohort_week) // 7 as integer)
            as weeks_since_signup
    from user_active_weeks
    inner join cohort_members
        on
            user_active_weeks.user_id = cohort_members.user_id
            -- activity before the signup week belongs to no cohort week
            and user_active_weeks.week_start >= cohort_members.cohort_week
),

active_members as (
    select
        cohort_week,
        weeks_since_signup,
        count(*) as active_users
    from member_active_weeks
    group by cohort_week, weeks_since_signup
),

final as (
    select
        cohort_weeks.cohort_week,
        cohort_weeks.weeks_since_signup,
        cast(cohort_weeks.cohort_size as bigint) as cohort_size,
        cast(coalesce(active_members.active_users, 0) as bigint) as active_users,
        cast(
            round(coalesce(active_members.active_users, 0) / cohort_weeks.cohort_size, 4)
            as decimal(5, 4)
        ) as retention_rate,
        cast(cohort_weeks.cohort_week + 7 * cohort_weeks.weeks_since_signup as date)
            as activity_week
    from cohort_weeks
    left join active_members
        on
            cohort_weeks.cohort_week = active_members.cohort_week
            and cohort_weeks.weeks_since_signup = active_members.weeks_since_signup
)

select * from final
