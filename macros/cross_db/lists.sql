{#- Lists (DuckDB) and arrays (Spark): the few operations the models use. -#}

{% macro list_item(list, position) -%}
    {#- The item at a 1-based position of a list, null past its end. -#}
    {{- adapter.dispatch('list_item', 'lakehouse')(list, position) -}}
{%- endmacro %}

{% macro duckdb__list_item(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_item(list, position) -%}
    try_element_at({{ list }}, {{ position }})
{%- endmacro %}


{% macro list_count_in(list, values, distinct=false) -%}
    {#- How many items of a list are among the given SQL values (each occurrence, or each
        distinct item with distinct=true). -#}
    {{- adapter.dispatch('list_count_in', 'lakehouse')(list, values, distinct) -}}
{%- endmacro %}

{% macro duckdb__list_count_in(list, values, distinct) -%}
    {%- set kept = 'list_filter(' ~ list ~ ', lambda k: k in (' ~ values ~ '))' -%}
    len({{ 'list_distinct(' ~ kept ~ ')' if distinct else kept }})
{%- endmacro %}

{% macro spark__list_count_in(list, values, distinct) -%}
    {%- set kept = 'filter(' ~ list ~ ', k -> k in (' ~ values ~ '))' -%}
    size({{ 'array_distinct(' ~ kept ~ ')' if distinct else kept }})
{%- endmacro %}


{% macro list_count_not_in(list, values) -%}
    {#- How many items of a list are not among the given SQL values. -#}
    {{- adapter.dispatch('list_count_not_in', 'lakehouse')(list, values) -}}
{%- endmacro %}

{% macro duckdb__list_count_not_in(list, values) -%}
    len(list_filter({{ list }}, lambda k: k not in ({{ values }})))
{%- endmacro %}

{% macro spark__list_count_not_in(list, values) -%}
    size(filter({{ list }}, k -> k not in ({{ values }})))
{%- endmacro %}
