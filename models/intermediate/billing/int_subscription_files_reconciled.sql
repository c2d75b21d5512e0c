-- Per subscriptions export: every record is accepted (the stored record of its
-- subscription_id), quarantined, or dropped as a losing duplicate; a file that could not be
-- read as an array is one quarantined row (doc block `record_reconciliation`).

with

records as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

judged as (
    select * from {{ ref('int_subscriptions_judged') }}
),

stored as (
    select * from {{ ref('int_subscriptions_deduplicated') }}
),

raw_counts as (
    select
        source_file,
        count(*) as raw_records
    from records
    group by source_file
),

verdicts as (
    select
        source_file,
        count(*) filter (where quarantine_reason is null) as valid_records,
        count(*) filter (where quarantine_reason is not null) as quarantined_records
    from judged
    group by source_file
),

accepted as (
    select
        source_file,
        count(*) as accepted_records
    from stored
    group by source_file
),

final as (
    select
        raw_counts.source_file,
        raw_counts.raw_records,
        coalesce(accepted.accepted_records, 0) as accepted_records,
        coalesce(verdicts.quarantined_records, 0) as quarantined_records,
        coalesce(verdicts.valid_records, 0) - coalesce(accepted.accepted_records, 0)
            as duplicate_records_dropped,
        raw_counts.raw_records = coalesce(verdicts.valid_records, 0)
        + coalesce(verdicts.quarantined_records, 0)
        and coalesce(accepted.accepted_records, 0) <= coalesce(verdicts.valid_records, 0)
            as is_balanced
    from raw_counts
    left join verdicts on raw_counts.source_file = verdicts.source_file
    left join accepted on raw_counts.source_file = accepted.source_file
)

select * from final
