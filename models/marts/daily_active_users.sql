{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='date',
        on_schema_change='fail',
    )
}}

-- Distinct users with at least one valid event, for every day of the shared calendar (doc
-- block `daily_active_users`, models/marts/_marts__docs.md). Incremental: a run recomputes
-- the days that changed, those of every version of an event it touched and the days the
-- calendar gained or lost (doc block `incremental_gold`).
{%- do recompute_keys(touched_days()) %}

with

calendar as (
    select * from {{ ref('util_calendar_days') }}
),

events as (
    select * from {{ ref('int_events_deduplicated') }}
    where {{ recomputed('event_date') }}
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
