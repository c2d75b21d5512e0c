{% macro raw_inputs_inventory_sql() %}
    {#- One row per raw file of every source: what a build reads, and what a new batch changes.
        A source without files adds nothing here (read_blob of a glob that matches nothing has
        no rows): the build itself then stops with assert_raw_files_present's message. -#}
    {%- set scans = [] -%}
    {%- for node in graph.sources.values() if node.config.meta.file_glob -%}
        {%- do scans.append(
            "select '" ~ node.source_name ~ "." ~ node.name ~ "' as source_name, filename, size,"
            ~ " last_modified from read_blob('" ~ raw_file_glob(node.source_name, node.name) ~ "')") -%}
    {%- endfor -%}
    {%- do scans.append("select null::varchar, null::varchar, null::bigint, null::timestamptz where false") -%}
    {{ return(scans | join('\nunion all\n')) }}
{% endmacro %}


{% macro last_build_inputs() %}
    {#- The inputs of the last successful scheduled build, as {code, sources}, or none: no
        scheduled build yet, or a table of the older one-fingerprint shape. -#}
    {%- set recorded = adapter.get_relation(
        database=target.database, schema='audit', identifier='build_inputs') -%}
    {%- if recorded is none -%}{{ return(none) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(recorded) | map(attribute='name') | list -%}
    {%- if 'source_name' not in columns -%}{{ return(none) }}{%- endif -%}
    {%- set rows = run_query(
        'select code_fingerprint, source_name, files_fingerprint from ' ~ recorded).rows -%}
    {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set sources = {} -%}
    {%- for row in rows -%}{%- do sources.update({row[1]: row[2]}) -%}{%- endfor -%}
    {{ return({'code': rows[0][0], 'sources': sources}) }}
{% endmacro %}


{% macro check_build_inputs() %}
    {#-
        run-operation for scheduled runs (scripts/run_batch.py): one fingerprint per source
        over its raw files (name, size, modification time; no content is read), and the inputs
        of the last successful scheduled build. Logs one line, `build inputs: ` and a JSON
        object {"sources": {source: fingerprint}, "last_build": {"code", "sources"} or null};
        the script compares them (and the code fingerprint it computes itself).
    -#}
    {%- set fingerprint_sql -%}
        select
            source_name,
            md5(string_agg(
                concat_ws('|', filename, size, last_modified), chr(10) order by filename
            )) as files_fingerprint
        from ({{ raw_inputs_inventory_sql() }}) as raw_files
        group by source_name
        order by source_name
    {%- endset -%}
    {%- set sources = {} -%}
    {%- for row in run_query(fingerprint_sql).rows -%}
        {%- do sources.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{ log("build inputs: " ~ tojson({'sources': sources, 'last_build': last_build_inputs()}),
        info=True) }}
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
