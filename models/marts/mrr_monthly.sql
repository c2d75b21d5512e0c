{{
    config(
        materialized='incremental',
        incremental_strategy='recompute_keys',
        unique_key='month',
        on_schema_change='fail',
    )
}}

-- MRR at each month close and the customer movements between consecutive closes, which add
-- up to the change (doc block `mrr_movements`, models/marts/_marts__docs.md). Churned and
-- contraction amounts are positive. Incremental: a run recomputes the months from the first
-- whose close moved (macro changed_months).
{%- do recompute_keys(changed_months('month_close_date')) %}

with

calendar as (
    select * from {{ ref('util_calendar_days') }}
),

customer_months as (
    select * from {{ ref('int_user_mrr_months_classified') }}
    where {{ recomputed('month_start') }}
),

months as (
    select
        month_start,
        date_day as month_close_date
    from calendar
    where is_month_close
),

movements_by_month as (
    select
        month_start,
        {%- for movement in mrr_movements() %}
            sum({{ movement.sign }} * mrr_change_usd) filter (
                where movement = '{{ movement.name }}'
            ) as {{ movement.name }}_mrr_usd,
        {%- endfor %}
        sum(mrr_usd) filter (where has_plan) as mrr_usd,
        count(*) filter (where has_plan) as active_customers
    from customer_months
    group by month_start
),

final as (
    select
        -- the column name is fixed by the metric contract
        months.month_start as month,  -- noqa: RF04
        {{ round_to_cents('coalesce(movements_by_month.mrr_usd, 0)') }} as mrr_usd,
        cast(coalesce(movements_by_month.active_customers, 0) as bigint) as active_customers,
        {%- for movement in mrr_movements() %}
            {{ round_to_cents('coalesce(movements_by_month.' ~ movement.name ~ '_mrr_usd, 0)') }}
                as {{ movement.name }}_mrr_usd,
        {%- endfor %}
        months.month_close_date
    from months
    left join movements_by_month
        on months.month_start = movements_by_month.month_start
)

select * from final
