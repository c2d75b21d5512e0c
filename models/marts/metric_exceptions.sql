-- What the metric rules leave out or bend, counted so that no reader has to guess from the
-- gold tables (doc block `metric_exceptions`, models/marts/_marts__docs.md).

with

calendar_bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

user_revenue as (
    select * from {{ ref('int_user_revenue_summed') }}
),

transactions as (
    select * from {{ ref('int_revenue_transactions_recognized') }}
),

spend_gaps as (
    select * from {{ ref('int_marketing_spend_gaps_listed') }}
),

user_exceptions as (
    select
        'cohorts' as area,
        'user_without_signup' as exception,
        cast(null as string) as channel,
        count(*) filter (where not has_signup) as occurrences,
        cast(null as decimal(38, 10)) as amount_usd
    from user_revenue

    union all

    select
        'acquisition' as area,
        'signup_channel_unknown' as exception,
        cast(null as string) as channel,
        count(*) filter (where has_signup and channel = 'Unknown') as occurrences,
        cast(null as decimal(38, 10)) as amount_usd
    from user_revenue
),

-- the same as-of window as daily_revenue_net, so the amounts can be read against it
refunds as (
    select transactions.*
    from transactions
    cross join calendar_bounds
    where
        transactions.transaction_type = 'refund'
        and transactions.recognized_date <= calendar_bounds.as_of_date
),

refund_exceptions as (
    {%- for flag in refund_flags() %}
        select
            'revenue' as area,
            '{{ flag }}' as exception,
            cast(null as string) as channel,
            count(*) filter (where is_{{ flag }}) as occurrences,
            coalesce(sum(amount_usd) filter (where is_{{ flag }}), 0) as amount_usd
        from refunds
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
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
    where
        spend_gaps.missing_date
        between calendar_bounds.first_date and calendar_bounds.as_of_date
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
        {{ round_to_cents('amount_usd') }} as amount_usd
    from unioned
)

select * from final
