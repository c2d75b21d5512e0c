{% macro duckdb__alter_column_comment(relation, column_dict) -%}
    {#- dbt-duckdb's own, except for a view in a DuckLake (the lake target), which takes no
        column comment ("Cannot comment on columns for entry ... - it is not a table"): its
        columns keep their descriptions in the dbt docs only; the view's own comment stays. -#}
    {%- if relation.type == 'view' and adapter.is_ducklake(relation) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(dbt.duckdb__alter_column_comment(relation, column_dict)) }}
{%- endmacro %}
