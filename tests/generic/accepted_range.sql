{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{#- Rows whose column falls outside [min_value, max_value] (bounds optional; strict when
    inclusive is false). Same name and arguments as dbt_utils.accepted_range. -#}
select *
from {{ model }}
where
    {%- if min_value is none and max_value is none %} false
    {%- else %} not (true
        {%- if min_value is not none %}
        and {{ column_name }} {{ '>=' if inclusive else '>' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        and {{ column_name }} {{ '<=' if inclusive else '<' }} {{ max_value }}
        {%- endif %})
    {%- endif %}
{% endtest %}
