{#- Changing rows of a stored table, per engine (DESIGN.md, "Spark"): DuckDB deletes and
    merges in place; Spark's Parquet tables take neither DELETE nor MERGE (both need Delta,
    Iceberg or Hudi), so there a change of rows is a rewrite of the table, done only when some
    row changes. -#}

{% macro delete_rows(relation, predicate) -%}
    {{- adapter.dispatch('delete_rows', 'lakehouse')(relation, predicate) -}}
{%- endmacro %}

{% macro default__delete_rows(relation, predicate) -%}
    delete from {{ relation }} as stored where {{ predicate }}
{%- endmacro %}

{% macro spark__delete_rows(relation, predicate) -%}
    {%- if execute -%}
        {%- set doomed = run_query(
            "select count(*) from " ~ relation ~ " as stored where " ~ predicate
        ).columns[0].values()[0] -%}
        {%- if doomed > 0 -%}
            {%- do spark_rewrite_table(relation,
                "select * from " ~ relation ~ " as stored where not coalesce((" ~ predicate
                ~ "), false)") -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro spark_rewrite_table(relation, select_sql) -%}
    {%- set staged = relation.incorporate(path={'identifier': relation.identifier
        ~ '__dbt_rewrite_' ~ invocation_id.replace('-', '')[:12]}) -%}
    {%- do run_query('create table ' ~ staged ~ ' using parquet as ' ~ select_sql) -%}
    {%- do run_query('insert overwrite table ' ~ relation ~ ' select * from ' ~ staged) -%}
    {%- do run_query('drop table ' ~ staged) -%}
{%- endmacro %}


{% macro restore_interrupted_rewrites() -%}
    {{- adapter.dispatch('restore_interrupted_rewrites', 'lakehouse')() -}}
{%- endmacro %}

{% macro default__restore_interrupted_rewrites() -%}
{%- endmacro %}

{% macro spark__restore_interrupted_rewrites() -%}
    {%- if execute and flags.WHICH in ['run', 'build'] -%}
        {%- for schema in run_query('show schemas').columns[0].values() -%}
            {%- for row in run_query('show tables in ' ~ schema ~ " like '*__dbt_rewrite_*'").rows -%}
                {%- set staged = schema ~ '.' ~ row['tableName'] -%}
                {%- set target_table = schema ~ '.' ~ row['tableName'].split('__dbt_rewrite_')[0] -%}
                {{ log('restoring ' ~ target_table ~ ' from ' ~ staged
                       ~ ', left by an interrupted run', info=true) }}
                {%- do run_query('insert overwrite table ' ~ target_table ~ ' select * from ' ~ staged) -%}
                {%- do run_query('drop table ' ~ staged) -%}
            {%- endfor -%}
            {#- the keys an earlier run recomputed (recompute_keys): done with -#}
            {%- for row in run_query('show tables in ' ~ schema ~ " like '*__dbt_keys_*'").rows -%}
                {%- do run_query('drop table ' ~ schema ~ '.' ~ row['tableName']) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{% macro create_audit_table(name, columns) -%}
    {%- do run_query('create schema if not exists audit') -%}
    {%- set column_list = [] -%}
    {%- for column, data_type in columns -%}
        {%- do column_list.append(column ~ ' ' ~ data_type) -%}
    {%- endfor -%}
    {%- do run_query('create table if not exists audit.' ~ name ~ ' (' ~ column_list | join(', ') ~ ')'
        ~ table_storage_clause()) -%}
{%- endmacro %}

{% macro table_storage_clause() -%}
    {{- adapter.dispatch('table_storage_clause', 'lakehouse')() -}}
{%- endmacro %}

{% macro default__table_storage_clause() -%}
{%- endmacro %}

{% macro spark__table_storage_clause() -%}
    {{- ' using parquet' -}}
{%- endmacro %}


{% macro set_column_where(relation, column, value_sql, predicate) -%}
    {%- do adapter.dispatch('set_column_where', 'lakehouse')(relation, column, value_sql, predicate) -%}
{%- endmacro %}

{% macro default__set_column_where(relation, column, value_sql, predicate) -%}
    {%- do run_query('update ' ~ relation ~ ' as stored set ' ~ column ~ ' = ' ~ value_sql
        ~ ' where ' ~ predicate) -%}
{%- endmacro %}

{% macro spark__set_column_where(relation, column, value_sql, predicate) -%}
    {%- set matching = run_query('select count(*) from ' ~ relation ~ ' as stored where '
        ~ predicate).columns[0].values()[0] -%}
    {%- if matching > 0 -%}
        {%- set columns = [] -%}
        {%- for name in adapter.get_columns_in_relation(relation) | map(attribute='name') -%}
            {%- do columns.append('case when ' ~ predicate ~ ' then ' ~ value_sql ~ ' else ' ~ name
                ~ ' end as ' ~ name if name == column else name) -%}
        {%- endfor -%}
        {%- do spark_rewrite_table(relation, 'select ' ~ columns | join(', ') ~ ' from '
            ~ relation ~ ' as stored') -%}
    {%- endif -%}
{%- endmacro %}


{% macro set_commit_message(message) -%}
    {%- do adapter.dispatch('set_commit_message', 'lakehouse')(message) -%}
{%- endmacro %}

{% macro duckdb__set_commit_message(message) -%}
    {%- if adapter.is_ducklake(api.Relation.create(database=target.database)) -%}
        {%- do run_query('call ducklake_set_commit_message(' ~ sql_quote(target.database)
            ~ ", 'dbt', " ~ sql_quote(message) ~ ')') -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__set_commit_message(message) -%}
{%- endmacro %}


{% macro begin_transaction() -%}
    {%- do adapter.dispatch('begin_transaction', 'lakehouse')() -%}
{%- endmacro %}

{% macro default__begin_transaction() -%}
    {%- do adapter.ensure_transaction() -%}
{%- endmacro %}

{% macro spark__begin_transaction() -%}
{%- endmacro %}


{% macro commit_transaction() -%}
    {%- do adapter.dispatch('commit_transaction', 'lakehouse')() -%}
{%- endmacro %}

{% macro default__commit_transaction() -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{% macro spark__commit_transaction() -%}
{%- endmacro %}
