{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='user_id',
        on_schema_change='fail',
    )
}}

-- Every known user (anyone with a valid event or a subscription), with their first valid
-- signup, cohort week and acquisition channel (doc block `user_attribution`). Incremental: a
-- run recomputes the users it touched (macro touched_users).
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

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

known_users as (
    select
        user_id,
        min(first_seen_date) as first_seen_date
    from (
        select
            user_id,
            min(event_date) as first_seen_date
        from events
        group by user_id
        union all
        select
            user_id,
            min(start_date) as first_seen_date
        from subscriptions
        group by user_id
    ) as sightings
    group by user_id
),

-- a user can sign up more than once: the first valid signup (then first to arrive) counts
first_signups as (
    select
        user_id,
        event_id as signup_event_id,
        event_ts as signup_ts,
        event_date as signup_date,
        acquisition_channel
    from events
    where event_type = 'signup'
    qualify row_number() over (
            partition by user_id order by event_ts, source_file, line_number, event_id
        ) = 1
),

-- spellings vary in case and spacing; the alias seed maps them to the spend file's names
signups_with_channel as (
    select
        first_signups.*,
        channel_aliases.channel
    from first_signups
    left join channel_aliases
        on {{ channel_alias_key('first_signups.acquisition_channel') }} = channel_aliases.alias
),

final as (
    select
        known_users.user_id,
        known_users.first_seen_date,
        signups_with_channel.signup_event_id is not null as has_signup,
        signups_with_channel.signup_event_id,
        signups_with_channel.signup_ts,
        signups_with_channel.signup_date,
        cast(date_trunc('week', signups_with_channel.signup_date) as date) as cohort_week,
        signups_with_channel.acquisition_channel as acquisition_channel_raw,
        -- no signup, or a channel the seed does not know: the channel is unknown
        coalesce(signups_with_channel.channel, 'Unknown') as channel,
        -- the run that computed the row: the models that follow recompute what changed
        {{ run_started_instant() }} as computed_at
    from known_users
    left join signups_with_channel
        on known_users.user_id = signups_with_channel.user_id
)

select * from final
