{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ forget_rows(among('date', touched_days())) }}",
    )
}}

-- depends_on: {{ ref('int_events_touched') }}
-- Distinct users with at least one valid event, for every day of the shared calendar (doc
-- block `daily_active_users`, models/marts/_marts__docs.md).
-- Incremental: a run recomputes the days that changed (those of every version of an event it
-- touched, and days the calendar gained), after the pre-hook forgot them (macro touched_days).
{%- set days = touched_days() %}

with

calendar as (
    select * from {{ ref('util_calendar_days') }}
    where {{ among('date_day', days) }}
),

events as (
    select * from {{ ref('int_events_deduplicated') }}
    where {{ among('event_date', days) }}
),

active_users_by_day as (
    select
        event_date,
        count(distinct user_id) as dau
    from events
    group by event_date
),

final as (
    select
        -- the column name is fixed by the metric contract
        calendar.date_day as date,  -- noqa: RF04
        cast(coalesce(active_users_by_day.dau, 0) as bigint) as dau
    from calendar
    left join active_users_by_day
        on calendar.date_day = active_users_by_day.event_date
)

select * from final
