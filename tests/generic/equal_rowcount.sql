{% test equal_rowcount(model, compare_model, group_by_columns=[]) %}
{#- One row when the model and compare_model do not hold the same number of rows (per
    group_by_columns when given). Same name and arguments as dbt_utils.equal_rowcount. -#}
{%- set groups = group_by_columns | join(', ') %}
with

model_counts as (
    select {{ groups ~ ',' if groups }} count(*) as row_count
    from {{ model }}
    {{ 'group by ' ~ groups if groups }}
),

compare_counts as (
    select {{ groups ~ ',' if groups }} count(*) as row_count
    from {{ compare_model }}
    {{ 'group by ' ~ groups if groups }}
)

select
    model_counts.row_count as model_row_count,
    compare_counts.row_count as compare_row_count
from model_counts
full outer join compare_counts
    {%- if groups %}
    on {% for column in group_by_columns -%}
        model_counts.{{ column }} = compare_counts.{{ column }}{{ ' and ' if not loop.last }}
    {%- endfor %}
    {%- else %}
    on true
    {%- endif %}
where model_counts.row_count is distinct from compare_counts.row_count
{% endtest %}
