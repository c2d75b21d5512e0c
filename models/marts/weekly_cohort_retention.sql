{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key=['cohort_week', 'activity_week'],
        on_schema_change='fail',
    )
}}

-- Weekly retention of signup cohorts: for each cohort week and each week since, how many of its
-- users had at least one valid event, up to the as-of week (doc block `cohort_retention`,
-- models/marts/_marts__docs.md). Users without a signup have no cohort; metric_exceptions
-- counts them. Incremental: a run recomputes, for every cohort, the weeks it touched, and the
-- touched weeks' cohorts whole (macro touched_weeks): a cell is recomputed when its cohort
-- week or its activity week is one of them.
{%- do recompute_keys(touched_weeks()) %}

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
        count(*) as cohort_size,
        {{ recomputed('cohort_week') }} as is_recomputed_whole
    from cohort_members
    group by cohort_week
),

-- every week from the cohort's own to the as-of week, so quiet weeks show zero
all_cohort_weeks as (
    {%- set weeks_so_far = weeks_between('cohorts.cohort_week', 'calendar_bounds.as_of_week') %}
    select
        cohorts.cohort_week,
        cohorts.cohort_size,
        cohorts.is_recomputed_whole,
        {{ integers_from_to(0, weeks_so_far) }} as weeks_since_signup
    from cohorts
    cross join calendar_bounds
),

-- in an incremental run, only the cells of touched weeks and of cohorts recomputed whole
cohort_weeks as (
    select *
    from all_cohort_weeks
    where
        is_recomputed_whole
        or {{ recomputed('cast(cohort_week + 7 * weeks_since_signup as date)') }}
),

whole_cohort_members as (
    select cohort_members.user_id
    from cohort_members
    inner join cohorts
        on cohort_members.cohort_week = cohorts.cohort_week
    where cohorts.is_recomputed_whole
),

-- the events that can change a computed cell: those of the weeks computed for every cohort,
-- and every event of a member of a cohort recomputed whole
relevant_events as (
    select
        events.user_id,
        events.event_date
    from events
    where {{ recomputed("cast(date_trunc('week', events.event_date) as date)") }}
    union all
    select
        events.user_id,
        events.event_date
    from events
    where events.user_id in (select whole_cohort_members.user_id from whole_cohort_members)
),

-- distinct first, so the join to cohorts sees one row per user and week, not per event
user_active_weeks as (
    select distinct
        relevant_events.user_id,
        cast(date_trunc('week', relevant_events.event_date) as date) as week_start
    from relevant_events
    cross join calendar_bounds
    where relevant_events.event_date <= calendar_bounds.as_of_date
),

member_active_weeks as (
    select
        cohort_members.cohort_week,
        {{ weeks_between('cohort_members.cohort_week', 'user_active_weeks.week_start') }}
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
