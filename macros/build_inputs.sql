{% macro recorded_build_inputs() %}
    {#- SQL selecting what the last successful scheduled build recorded (code_fingerprint,
        source_name, files_fingerprint per source), or no row: no scheduled build yet, or a
        table of the older one-fingerprint shape (which is then built whole once). -#}
    {%- set empty -%}
        select
            null::varchar as code_fingerprint,
            null::varchar as source_name,
            null::varchar as files_fingerprint
        where false
    {%- endset -%}
    {%- if not execute -%}{{ return(empty) }}{%- endif -%}
    {%- set recorded = adapter.get_relation(
        database=target.database, schema='audit', identifier='build_inputs') -%}
    {%- if recorded is none -%}{{ return(empty) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(recorded) | map(attribute='name') | list -%}
    {%- if 'source_name' not in columns -%}{{ return(empty) }}{%- endif -%}
    {{ return('select code_fingerprint, source_name, files_fingerprint from ' ~ recorded
        ~ ' order by source_name') }}
{% endmacro %}


{% macro record_build_inputs(code_fingerprint, sources) %}
    {#- run-operation after a successful scheduled build: the inputs it was built from, one row
        per source, in place of the last build's (the run history is in audit.dbt_run_results;
        a table of the older one-fingerprint shape is replaced the same way). -#}
    {%- set record_sql -%}
        create schema if not exists audit;
        create or replace table audit.build_inputs (
            recorded_at timestamptz,
            code_fingerprint varchar,
            source_name varchar,
            files_fingerprint varchar
        );
        {% if sources -%}
            insert into audit.build_inputs values
            {%- for name, fingerprint in sources.items() %}
                (now(), '{{ code_fingerprint }}', '{{ name }}', '{{ fingerprint }}')
                {{- "," if not loop.last else ";" }}
            {%- endfor %}
        {%- endif %}
    {%- endset -%}
    {%- do run_query(record_sql) -%}
    {%- do adapter.commit() -%}
{% endmacro %}
