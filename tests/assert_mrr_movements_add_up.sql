-- mrr_monthly: each month's MRR change since the previous month equals new + expansion +
-- reactivation - contraction - churned (the first month starts from zero). Each of the seven
-- amounts is rounded to cents on its own, so they may disagree by up to half a cent each.
with

mrr_monthly as (
    select * from {{ ref('mrr_monthly') }}
),

changes as (
    select
        month,
        mrr_usd - coalesce(lag(mrr_usd) over (order by month), 0) as mrr_change_usd,
        new_mrr_usd + expansion_mrr_usd + reactivation_mrr_usd
        - contraction_mrr_usd - churned_mrr_usd as movements_usd
    from mrr_monthly
)

select *
from changes
where abs(mrr_change_usd - movements_usd) > 7 * 0.005
