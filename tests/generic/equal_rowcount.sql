{% test equal_rowcount(model, compare_model, group_by_columns=[]) %}
    {#- One row when the model and compare_model do not hold the same number of rows (per
        group_by_columns when given). Same name and arguments as dbt_utils.equal_rowcount. #}
{%- set keys = (group_by_columns + ['row_group']) | join(', ') %}

with

model_counts as (
    select
        {% for column in group_by_columns %}{{ column }}, {% endfor %}
        1 as row_group,
        count(*) as row_count
    from {{ model }}
    group by all
),

compare_counts as (
    select
        {% for column in group_by_columns %}{{ column }}, {% endfor %}
        1 as row_group,
        count(*) as row_count
    from {{ compare_model }}
    group by all
)

select
    model_counts.row_count as model_row_count,
    compare_counts.row_count as compare_row_count
from model_counts
full outer join compare_counts using ({{ keys }})
where model_counts.row_count is distinct from compare_counts.row_count
{% endtest %}
