{% macro raw_inputs_inventory_sql() %}
    {#- One row per raw file of every source: what a build reads, and what a new batch changes.
        A source without files adds nothing here: the build itself then stops with
        assert_raw_files_present's message. -#}
    {%- set scans = [] -%}
    {%- for node in graph.sources.values() if node.config.meta.file_glob -%}
        {%- set glob = raw_file_glob(node.source_name, node.name) -%}
        {%- if run_query("select count(*) from glob('" ~ glob ~ "')").columns[0].values()[0] > 0 -%}
            {%- do scans.append("select filename, size, last_modified from read_blob('" ~ glob ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do scans.append("select null::varchar, null::bigint, null::timestamptz where false") -%}
    {{ return(scans | join('\nunion all\n')) }}
{% endmacro %}


{% macro check_build_inputs(code_fingerprint) %}
    {#-
        run-operation for scheduled runs (scripts/run_batch.py): the fingerprint of what a
        build depends on, the raw files (name, size, modification time) and the project's code
        (passed in), compared with the one recorded by the last successful build. Logs one
        line, `build inputs: changed <fingerprint>` or `build inputs: unchanged <fingerprint>`.
    -#}
    {%- set fingerprint_sql -%}
        select md5(
            '{{ code_fingerprint }}'
            || coalesce(string_agg(
                concat_ws('|', filename, size, last_modified), chr(10) order by filename
            ), '')
        )
        from ({{ raw_inputs_inventory_sql() }}) as raw_files
    {%- endset -%}
    {%- set fingerprint = run_query(fingerprint_sql).columns[0].values()[0] -%}
    {%- set recorded = adapter.get_relation(
        database=target.database, schema='audit', identifier='build_inputs') -%}
    {%- set last_built = none -%}
    {%- if recorded is not none -%}
        {%- set last_built_sql -%}
            select fingerprint from {{ recorded }} order by recorded_at desc limit 1
        {%- endset -%}
        {%- set rows = run_query(last_built_sql).rows -%}
        {%- if rows | length > 0 -%}{%- set last_built = rows[0][0] -%}{%- endif -%}
    {%- endif -%}
    {{ log("build inputs: " ~ ("unchanged " if fingerprint == last_built else "changed ")
        ~ fingerprint, info=True) }}
{% endmacro %}


{% macro record_build_inputs(fingerprint) %}
    {#- run-operation after a successful scheduled build: the inputs it was built from. -#}
    {%- set record_sql -%}
        create schema if not exists audit;
        create table if not exists audit.build_inputs (
            fingerprint varchar,
            recorded_at timestamptz
        );
        insert into audit.build_inputs values ('{{ fingerprint }}', now());
    {%- endset -%}
    {%- do run_query(record_sql) -%}
    {%- do adapter.commit() -%}
{% endmacro %}
