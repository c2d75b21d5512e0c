{#- Lists (DuckDB) and arrays (Spark): the few operations the models use. -#}

{% macro list_item(list, position) -%}
    {#- The item at a 1-based position of a list, null past its end. -#}
    {{- adapter.dispatch('list_item', 'lakehouse')(list, position) -}}
{%- endmacro %}

{% macro duckdb__list_item(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_item(list, position) -%}
    try_element_at({{ list }}, cast({{ position }} as int))
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


{% macro join_list_items(list, alias, item, position) -%}
    {#- A join clause giving one row per item of a list column of the tables before it, as
        alias.item with its 1-based alias.position; a null or empty list gives no row. -#}
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
    {#- A list of the expression's value for each item of a list, the item named `item` in the
        expression. -#}
    {{- adapter.dispatch('list_transform', 'lakehouse')(list, item, expression) -}}
{%- endmacro %}

{% macro duckdb__list_transform(list, item, expression) -%}
    list_transform({{ list }}, lambda {{ item }}: {{ expression }})
{%- endmacro %}

{% macro spark__list_transform(list, item, expression) -%}
    transform({{ list }}, {{ item }} -> {{ expression }})
{%- endmacro %}


{% macro list_length(list) -%}
    {#- The number of items of a list (null for a null list). -#}
    {{- adapter.dispatch('list_length', 'lakehouse')(list) -}}
{%- endmacro %}

{% macro duckdb__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{% macro spark__list_length(list) -%}
    {#- size() of a null array is -1 unless spark.sql.legacy.sizeOfNull is false -#}
    case when {{ list }} is not null then size({{ list }}) end
{%- endmacro %}


{% macro list_position_of(list, value) -%}
    {#- The 1-based position of a value's first occurrence in a list, null when absent. -#}
    {{- adapter.dispatch('list_position_of', 'lakehouse')(list, value) -}}
{%- endmacro %}

{% macro duckdb__list_position_of(list, value) -%}
    list_position({{ list }}, {{ value }})
{%- endmacro %}

{% macro spark__list_position_of(list, value) -%}
    {#- array_position counts from 1 and gives 0 when absent -#}
    nullif(array_position({{ list }}, {{ value }}), 0)
{%- endmacro %}
