{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='user_id',
        on_schema_change='fail',
    )
}}

-- One row per signed-up user who converted: their first valid purchase, trial conversion or
-- subscription start (doc block `paid_conversion`). Users without a signup were acquired before
-- the data begins and are not conversions. Incremental: a run recomputes the users it touched
-- (macro touched_users).
{%- do recompute_keys(touched_users()) %}

with

events as (
    select * from {{ ref('int_events_deduplicated') }}
    where {{ recomputed('user_id') }}
),

subscriptions as (
    select * from {{ ref('int_subscriptions_deduplicated') }}
    where {{ recomputed('user_id') }}
),

attributed_users as (
    select * from {{ ref('int_users_attributed') }}
    where {{ recomputed('user_id') }}
),

conversion_candidates as (
    select
        user_id,
        event_ts as converted_at,
        event_type as conversion_type,
        event_id as conversion_source_id
    from events
    where event_type in ('purchase', 'trial_convert')

    union all

    -- a subscription starts at the beginning of its start day (UTC)
    select
        user_id,
        cast(start_date as {{ instant_type() }}) as converted_at,
        'subscription_start' as conversion_type,
        subscription_id as conversion_source_id
    from subscriptions
),

first_conversions as (
    select *
    from conversion_candidates
    qualify row_number() over (
            partition by user_id order by converted_at, conversion_type, conversion_source_id
        ) = 1
),

final as (
    select
        attributed_users.user_id,
        attributed_users.channel,
        attributed_users.signup_date,
        first_conversions.conversion_type,
        first_conversions.conversion_source_id,
        first_conversions.converted_at,
        cast(first_conversions.converted_at as date) as conversion_date
    from first_conversions
    inner join attributed_users
        on first_conversions.user_id = attributed_users.user_id
    where attributed_users.has_signup
)

select * from final
