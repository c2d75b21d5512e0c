{% macro record_run_audit(results) %}
    {#- on-run-end: one row per executed node of this invocation into audit.dbt_run_results.
        dbt-duckdb reports no rows_affected, so the row count of each model's table after the
        run is recorded instead; rows added by a run are the difference from the previous
        run's count. Runs its statements itself (and returns no SQL), so that a run-operation
        can record a run too. -#}
    {%- if not execute or results | length == 0 -%}{{ return('') }}{%- endif -%}
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
            message varchar
        );
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
                (
                    select max(estimated_size) from duckdb_tables()
                    where schema_name = {{ sql_quote(result.node.schema) }}
                        and table_name = {{ sql_quote(result.node.alias) }}
                        and {{ sql_quote(result.node.resource_type) }} in ('model', 'seed')
                ),
                {{ result.execution_time or 0 }},
                {#- cut first, then quote: cutting a quoted text can split a doubled quote -#}
                {{ sql_quote((result.message | string)[:500]) if result.message else 'null' }}
            ){{ "," if not loop.last else ";" }}
        {%- endfor %}
    {%- endset -%}
    {%- do run_query(audit_sql) -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}
