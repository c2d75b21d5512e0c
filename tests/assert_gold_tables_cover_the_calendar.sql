-- Every gold table spans the shared calendar: each daily table has exactly its days, the
-- monthly table exactly its months, and each cohort runs from week 0 to the as-of week.
-- Density inside these bounds is tested per table (unique + sequential_values).
with

calendar_bounds as (
    select * from {{ ref('util_calendar_bounds') }}
),

daily_bounds as (
    select
        'daily_active_users' as gold_table,
        min(date) as first_date,
        max(date) as last_date
    from {{ ref('daily_active_users') }}
    union all
    select
        'daily_revenue_gross' as gold_table,
        min(date) as first_date,
        max(date) as last_date
    from {{ ref('daily_revenue_gross') }}
    union all
    select
        'daily_revenue_net' as gold_table,
        min(date) as first_date,
        max(date) as last_date
    from {{ ref('daily_revenue_net') }}
    union all
    select
        'mrr_daily' as gold_table,
        min(date) as first_date,
        max(date) as last_date
    from {{ ref('mrr_daily') }}
),

monthly_bounds as (
    select
        'mrr_monthly' as gold_table,
        min(month) as first_date,
        max(month) as last_date
    from {{ ref('mrr_monthly') }}
),

cohort_bounds as (
    select
        'weekly_cohort_retention ' || cohort_week as gold_table,
        min(weeks_since_signup) as first_week,
        max(activity_week) as last_week
    from {{ ref('weekly_cohort_retention') }}
    group by cohort_week
)

select
    daily_bounds.gold_table,
    daily_bounds.first_date,
    daily_bounds.last_date
from daily_bounds
cross join calendar_bounds
where daily_bounds.first_date is distinct from calendar_bounds.first_date
    or daily_bounds.last_date is distinct from calendar_bounds.as_of_date

union all

select
    monthly_bounds.gold_table,
    monthly_bounds.first_date,
    monthly_bounds.last_date
from monthly_bounds
cross join calendar_bounds
where monthly_bounds.first_date is distinct from calendar_bounds.first_month
    or monthly_bounds.last_date is distinct from calendar_bounds.as_of_month

union all

select
    cohort_bounds.gold_table,
    null as first_date,
    cohort_bounds.last_week as last_date
from cohort_bounds
cross join calendar_bounds
where cohort_bounds.first_week <> 0
    or cohort_bounds.last_week <> calendar_bounds.as_of_week
