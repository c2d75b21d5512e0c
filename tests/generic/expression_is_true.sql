{% test expression_is_true(model, expression, column_name=none) %}
{#- Rows for which the SQL expression is not true (false or null). Same name and arguments
    as dbt_utils.expression_is_true; with column_name, the expression is appended to it. -#}
select *
from {{ model }}
where not coalesce(({{ column_name ~ ' ' if column_name }}{{ expression }}), false)
{% endtest %}
