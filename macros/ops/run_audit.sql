{% macro record_run_audit(results) %}
    {%- if not execute or results | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- do adapter.dispatch('record_run_audit', 'lakehouse')(results) -%}
    {{ return('') }}
{% endmacro %}


{% macro duckdb__record_run_audit(results) %}
    {%- set in_lake = adapter.is_ducklake(api.Relation.create(database=target.database)) -%}
    {%- set audit_sql -%}
        create schema if not exists audit;
        create table if not exists audit.dbt_run_results (
            invocation_id varchar,
            run_started_at timestamptz,
            command varchar,
            node_id varchar,
            node_name varchar,
            resource_type varchar,
            status varchar,
            row_count bigint,
            execution_seconds double,
            message varchar,
            lake_snapshot_id bigint
        );
        -- a table of the shape before lake_snapshot_id
        alter table audit.dbt_run_results add column if not exists lake_snapshot_id bigint;
        {%- if in_lake %}
        call ducklake_set_commit_message(
            {{ sql_quote(target.database) }}, 'dbt',
            {{ sql_quote('dbt ' ~ flags.WHICH ~ ' ' ~ invocation_id) }}
        );
        {%- endif %}
        insert into audit.dbt_run_results values
        {%- for result in results %}
            (
                '{{ invocation_id }}',
                '{{ run_started_at }}'::timestamptz,
                '{{ flags.WHICH }}',
                {{ sql_quote(result.node.unique_id) }},
                {{ sql_quote(result.node.name) }},
                {{ sql_quote(result.node.resource_type) }},
                {{ sql_quote(result.status) }},
                {{ table_row_count(result.node, in_lake) }},
                {{ result.execution_time or 0 }},
                {#- cut first, then quote: cutting a quoted text can split a doubled quote -#}
                {{ sql_quote((result.message | string)[:500]) if result.message else 'null' }},
                {#- the snapshot this transaction reads: the last model's commit -#}
                {{ "(select id from ducklake_current_snapshot(" ~ sql_quote(target.database) ~ "))"
                    if in_lake else 'null' }}
            ){{ "," if not loop.last else ";" }}
        {%- endfor %}
    {%- endset -%}
    {#- one transaction (a hook runs outside dbt's, a run-operation inside it): the insert is
        whole or absent, and the commit message names its snapshot -#}
    {%- do adapter.ensure_transaction() -%}
    {%- do run_query(audit_sql) -%}
    {%- do adapter.commit() -%}
{% endmacro %}


{% macro table_row_count(node, in_lake) -%}
    {%- if node.resource_type not in ['model', 'seed'] -%}
        null
    {%- elif in_lake -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema=node.schema, identifier=node.alias) -%}
        {{ '(select count(*) from ' ~ relation ~ ')'
            if relation is not none and relation.type == 'table' else 'null' }}
    {%- else -%}
        (
            select max(estimated_size) from duckdb_tables()
            where schema_name = {{ sql_quote(node.schema) }}
                and table_name = {{ sql_quote(node.alias) }}
        )
    {%- endif -%}
{%- endmacro %}


{% macro spark__record_run_audit(results) %}
    {%- do run_query("create schema if not exists audit") -%}
    {%- do run_query("""
        create table if not exists audit.dbt_run_results (
            invocation_id string,
            run_started_at timestamp,
            command string,
            node_id string,
            node_name string,
            resource_type string,
            status string,
            row_count bigint,
            execution_seconds double,
            message string,
            lake_snapshot_id bigint
        ) using parquet""") -%}
    {%- set counts = {} -%}
    {%- set count_sql = [] -%}
    {%- for result in results if result.node.resource_type in ['model', 'seed'] -%}
        {%- set relation = adapter.get_relation(
            database=result.node.database, schema=result.node.schema,
            identifier=result.node.alias) -%}
        {%- if relation is not none and relation.type != 'view' -%}
            {%- do count_sql.append("select " ~ sql_quote(result.node.unique_id)
                ~ " as node_id, count(*) as row_count from " ~ relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if count_sql -%}
        {%- for row in run_query(count_sql | join(" union all ")).rows -%}
            {%- do counts.update({row['node_id']: row['row_count']}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set insert_sql -%}
        insert into audit.dbt_run_results values
        {%- for result in results %}
            (
                '{{ invocation_id }}',
                {{ run_started_instant() }},
                '{{ flags.WHICH }}',
                {{ sql_quote(result.node.unique_id) }},
                {{ sql_quote(result.node.name) }},
                {{ sql_quote(result.node.resource_type) }},
                {{ sql_quote(result.status) }},
                {{ counts.get(result.node.unique_id, 'null') }},
                {{ result.execution_time or 0 }},
                {{ sql_quote((result.message | string)[:500]) if result.message else 'null' }},
                null
            ){{ "," if not loop.last }}
        {%- endfor %}
    {%- endset -%}
    {%- do run_query(insert_sql) -%}
{% endmacro %}
