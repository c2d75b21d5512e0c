{% test sequential_values(model, column_name, interval=1, datepart=none, group_by_columns=[]) %}
    {#- Rows whose value is not the previous value (within group_by_columns) plus interval (in
        datepart units when given): a gap or a repeat. Same name and arguments as
        dbt_utils.sequential_values. #}
    {%- set partition_by = 'partition by ' ~ group_by_columns | join(', ') if group_by_columns %}

with

windowed as (
    select
        *,
        lag({{ column_name }}) over ({{ partition_by }} order by {{ column_name }})
            as previous_value
    from {{ model }}
)

select *
from windowed
where
    previous_value is not null
    {%- if datepart %}
        and cast({{ column_name }} as timestamp)
        <> cast(previous_value as timestamp) + interval {{ interval | int }} {{ datepart }}
    {%- else %}
        and {{ column_name }} <> previous_value + {{ interval }}
    {%- endif %}
{% endtest %}
