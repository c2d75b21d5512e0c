-- Silver for subscriptions, step 2: one row per subscription_id. The record with the latest
-- created_at wins; on a tie the terminal status (canceled) wins, then the later record in
-- arrival order (doc block `subscription_dedupe`).

with

valid_subscriptions as (
    select * from {{ ref('int_subscriptions_judged') }}
    where quarantine_reason is null
),

ranked as (
    select
        *,
        count(*) over (partition by subscription_id) as record_count
    from valid_subscriptions
    qualify row_number() over (
            partition by subscription_id
            order by
                created_at desc,
                (status = 'canceled') desc,
                source_file desc,
                record_index desc
        ) = 1
),

final as (
    select
        subscription_id,
        user_id,
        plan_id,
        status,
        currency,
        price,
        price_usd,
        start_date,
        end_date,
        created_at,
        record_count,
        source_file,
        record_index,
        -- when this snapshot was built: the incremental per-user models rebuild whole after it
        {{ run_started_instant() }} as deduplicated_at
    from ranked
)

select * from final
