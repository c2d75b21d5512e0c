-- mrr_monthly: each month's MRR change since the previous month equals the sum of its
-- movements, each with its sign (new + expansion + reactivation - contraction - churned; the
-- first month starts from zero). Each amount is rounded to cents on its own, so they may
-- disagree by up to half a cent each.
{%- set movements = mrr_movements() %}
with

mrr_monthly as (
    select * from {{ ref('mrr_monthly') }}
),

changes as (
    select
        month,
        mrr_usd - coalesce(lag(mrr_usd) over (order by month), 0) as mrr_change_usd,
        0
        {%- for movement in movements %}
            + {{ movement.sign }} * {{ movement.name }}_mrr_usd
        {%- endfor %} as movements_usd
    from mrr_monthly
)

select *
from changes
where abs(mrr_change_usd - movements_usd) > {{ movements | length + 2 }} * 0.005
