{% test unique_combination_of_columns(model, combination_of_columns) %}
{#- Combinations of the given columns that occur more than once. Same name and arguments as
    dbt_utils.unique_combination_of_columns. -#}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
