{#- The keys a run recomputes: computed once per run, at the top of the model's body, into a
    relation the strategy and the body both read (DESIGN.md, "Incremental strategy"). -#}

{% macro recompute_keys(keys_sql) %}
    {#- a unit test renders the model alone, its parents as fixtures in the same query (named
        __dbt__cte__*): no keys can be stored from them, so the body sees none -#}
    {%- if not execute or not is_incremental() or keys_sql is none or '__dbt__cte__' in keys_sql -%}
        {{ return('') }}
    {%- endif -%}
    {%- do adapter.dispatch('store_recompute_keys', 'lakehouse')(recompute_keys_name(), keys_sql) -%}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__store_recompute_keys(name, keys_sql) %}
    {%- do run_query('create or replace temp table ' ~ name ~ ' as select distinct key_value as recomputed_key from ('
        ~ keys_sql ~ ') as keys_sql(key_value) where key_value is not null') -%}
{% endmacro %}

{% macro spark__store_recompute_keys(name, keys_sql) %}
    {%- do run_query('drop table if exists ' ~ name) -%}
    {%- do run_query('create table ' ~ name ~ ' using parquet as select distinct key_value as recomputed_key from ('
        ~ keys_sql ~ ') as keys_sql(key_value) where key_value is not null') -%}
{% endmacro %}


{% macro recompute_keys_relation() %}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set name = recompute_keys_name() -%}
    {{ return(name if adapter.dispatch('recompute_keys_stored', 'lakehouse')(name) else none) }}
{% endmacro %}

{% macro duckdb__recompute_keys_stored(name) %}
    {{ return(run_query("select count(*) from duckdb_tables() where temporary and table_name = "
        ~ sql_quote(name.split('.')[-1])).columns[0].values()[0] > 0) }}
{% endmacro %}

{% macro spark__recompute_keys_stored(name) %}
    {%- set schema, table = name.split('.') -%}
    {{ return(run_query('show tables in ' ~ schema ~ ' like ' ~ sql_quote(table)).rows | length > 0) }}
{% endmacro %}


{% macro drop_recompute_keys() %}
    {%- set keys = recompute_keys_relation() -%}
    {%- if keys is not none -%}{%- do run_query('drop table ' ~ keys) -%}{%- endif -%}
{% endmacro %}


{% macro recompute_keys_name() -%}
    {{- return(adapter.dispatch('recompute_keys_name', 'lakehouse')()) -}}
{%- endmacro %}

{% macro duckdb__recompute_keys_name() -%}
    {{- return('temp.' ~ this.identifier ~ '__recompute_keys') -}}
{%- endmacro %}

{% macro spark__recompute_keys_name() -%}
    {{- return(this.schema ~ '.' ~ this.identifier ~ '__dbt_keys_' ~ invocation_id.replace('-', '')[:12]) -}}
{%- endmacro %}


{% macro recomputed(column) -%}
    {%- set keys = recompute_keys_relation() -%}
    {{- 'true' if keys is none else column ~ ' in (select recomputed_key from ' ~ keys ~ ')' -}}
{%- endmacro %}


{% macro forgotten(column) -%}
    {%- set keys = recompute_keys_relation() -%}
    {{- 'false' if keys is none else column ~ ' in (select recomputed_key from ' ~ keys ~ ')' -}}
{%- endmacro %}


{% macro recomputed_from(column) -%}
    {%- set keys = recompute_keys_relation() -%}
    {{- 'true' if keys is none else column ~ ' >= (select min(recomputed_key) from ' ~ keys ~ ')' -}}
{%- endmacro %}
