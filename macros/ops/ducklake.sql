{% macro duckdb__alter_column_comment(relation, column_dict) -%}
    {%- if relation.type == 'view' and adapter.is_ducklake(relation) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(dbt.duckdb__alter_column_comment(relation, column_dict)) }}
{%- endmacro %}
