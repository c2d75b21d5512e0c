{#- Lists (DuckDB) and arrays (Spark): the few operations the models use. -#}

{% macro list_item(list, position) -%}
    {{- adapter.dispatch('list_item', 'lakehouse')(list, position) -}}
{%- endmacro %}

{% macro duckdb__list_item(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_item(list, position) -%}
    try_element_at({{ list }}, cast({{ position }} as int))
{%- endmacro %}


{% macro list_count_in(list, values, distinct=false) -%}
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


{% macro join_list_items(list, alias, item, position) -%}
    {{- adapter.dispatch('join_list_items', 'lakehouse')(list, alias, item, position) -}}
{%- endmacro %}

{% macro duckdb__join_list_items(list, alias, item, position) -%}
    cross join unnest({{ list }}) with ordinality as {{ alias }} ({{ item }}, {{ position }})
{%- endmacro %}

{% macro spark__join_list_items(list, alias, item, position) -%}
    lateral view inline(
        transform({{ list }}, (x, i) -> named_struct('item', x, 'position', cast(i + 1 as bigint)))
    ) {{ alias }} as {{ item }}, {{ position }}
{%- endmacro %}


{% macro list_transform(list, item, expression) -%}
    {{- adapter.dispatch('list_transform', 'lakehouse')(list, item, expression) -}}
{%- endmacro %}

{% macro duckdb__list_transform(list, item, expression) -%}
    list_transform({{ list }}, lambda {{ item }}: {{ expression }})
{%- endmacro %}

{% macro spark__list_transform(list, item, expression) -%}
    transform({{ list }}, {{ item }} -> {{ expression }})
{%- endmacro %}


{% macro list_length(list) -%}
    {{- adapter.dispatch('list_length', 'lakehouse')(list) -}}
{%- endmacro %}

{% macro duckdb__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__list_length(list) -%}
    case when {{ list }} is not null then size({{ list }}) end
{%- endmacro %}


{% macro list_position_of(list, value) -%}
    {{- adapter.dispatch('list_position_of', 'lakehouse')(list, value) -}}
{%- endmacro %}

{% macro duckdb__list_position_of(list, value) -%}
    list_position({{ list }}, {{ value }})
{%- endmacro %}

{% macro spark__list_position_of(list, value) -%}
    nullif(array_position({{ list }}, {{ value }}), 0)
{%- endmacro %}
