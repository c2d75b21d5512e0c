-- Per subscriptions export, record by record: each record has exactly one verdict, accepted
-- (it is the stored record of its subscription_id), quarantined with its reason, or dropped
-- as a duplicate of a named winner (the stored record of its subscription_id, another
-- record); and each stored record is an accepted record of its file. A file that could not be
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

record_verdicts as (
    -- every judgement of every record (a broken file's one row has no record_index), with the
    -- stored record of its subscription_id when it is valid
    select
        records.source_file,
        records.record_index,
        judged.source_file is not null as is_judged,
        judged.quarantine_reason,
        winners.source_file as winner_file,
        winners.record_index as winner_index,
        count(judged.source_file) over (
            partition by records.source_file, records.record_index
        ) as judgements
    from records
    left join judged
        on
            records.source_file = judged.source_file
            and records.record_index is not distinct from judged.record_index
    left join stored as winners
        on
            judged.quarantine_reason is null
            and judged.subscription_id = winners.subscription_id
),

classified as (
    -- one row per record
    select
        source_file,
        record_index,
        case
            -- no judgement, or two: the record is lost or counted twice
            when not is_judged or judgements <> 1 then null
            when quarantine_reason is not null then 'quarantined'
            -- valid, but nothing stored for its subscription_id: lost
            when winner_file is null then null
            when winner_file = source_file and winner_index = record_index then 'accepted'
            else 'duplicate'
        end as verdict
    from record_verdicts
    qualify row_number() over (partition by source_file, record_index order by winner_file) = 1
),

stored_counts as (
    -- a stored record must be an accepted record of its file (not invented, not moved)
    select
        source_file,
        count(*) as stored_records
    from stored
    group by source_file
),

{{ file_ledger(
    'records', 'records', 'judged', ['accepted', 'quarantined', 'duplicate'],
    file_sources=['stored_counts'],
    checks=['coalesce(stored_counts.stored_records, 0) = coalesce(verdict_counts.accepted_records, 0)'],
    joins=['left join stored_counts on files.source_file = stored_counts.source_file'],
) }}

select * from final
