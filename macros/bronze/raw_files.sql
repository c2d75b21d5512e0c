{% macro raw_sources() %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(graph.sources.values() | selectattr('config.meta.file_glob') | sort(attribute='unique_id') | list) }}
{% endmacro %}


{% macro project_path(path) -%}
    {%- if path.startswith('/') -%}
        {{- path -}}
    {%- else -%}
        {{- invocation_args_dict.project_dir ~ '/' ~ path -}}
    {%- endif -%}
{%- endmacro %}


{% macro raw_source_glob(source_name, table_name) -%}
    {%- if not execute -%}{{ return(var('raw_root')) }}{%- endif -%}
    {%- for node in graph.sources.values()
        if node.source_name == source_name and node.name == table_name -%}
        {%- if not node.config.meta.file_glob -%}
            {{ exceptions.raise_compiler_error(
                "source " ~ source_name ~ "." ~ table_name ~ " declares no meta.file_glob") }}
        {%- endif -%}
        {{- return(node.config.meta.file_glob) -}}
    {%- endfor -%}
    {{- exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) -}}
{%- endmacro %}


{% macro raw_file_glob(source_name, table_name) -%}
    {{- project_path(raw_source_glob(source_name, table_name)) -}}
{%- endmacro %}


{% macro assert_raw_files_present() %}
    {%- if execute and flags.WHICH in ['run', 'build'] -%}
        {%- for node in raw_sources() -%}
            {%- set glob = raw_file_glob(node.source_name, node.name) -%}
            {%- if raw_file_names(glob) | length == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "No raw file matches '" ~ glob ~ "' (source " ~ node.source_name ~ "."
                    ~ node.name ~ "). Put the file there, or point the project at the "
                    ~ "directory that holds the raw files with "
                    ~ "--vars '{raw_root: path/to/raw}' (now raw_root = '" ~ var('raw_root')
                    ~ "'; a relative raw_root is read from the project directory)."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}


{% macro raw_files_to_ingest(source_name, table_name) %}
    {#- the source is named whether or not files are read, so that dbt, which parses before any
        file is listed, sees it as the model's parent -#}
    {%- do source(source_name, table_name) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {#- the reader's record of rejected lines starts empty for this model's scan -#}
    {%- set reset_sql = reset_rejected_lines() -%}
    {%- if reset_sql | trim -%}{%- do run_query(reset_sql) -%}{%- endif -%}
    {%- set glob = raw_file_glob(source_name, table_name) -%}
    {%- if is_incremental() -%}
        {%- set seen_sql = raw_files_seen(this) -%}
    {%- else -%}
        {%- set seen_sql -%}
            select
                cast(null as string) as source_file,
                cast(null as bigint) as file_size_bytes,
                cast(null as bigint) as last_line,
                cast(null as bigint) as decoded_before_last
            where false
        {%- endset -%}
    {%- endif -%}
    {%- set inventory_sql -%}
        with
        on_disk as ({{ raw_files_on_disk(glob) }}),
        seen as ({{ seen_sql }})
        select
            on_disk.path,
            on_disk.file_name,
            on_disk.size,
            coalesce(seen.decoded_before_last, 0) as skip_decoded,
            seen.last_line as reread_from_line
        from on_disk
        left join seen on on_disk.file_name = seen.source_file
        where seen.source_file is null or on_disk.size > seen.file_size_bytes
        order by on_disk.file_name
    {%- endset -%}
    {%- set skipped = raw_files_dropped(source_name, table_name) -%}
    {%- set files = [] -%}
    {%- for row in run_query(inventory_sql).rows if row['file_name'] not in skipped -%}
        {%- do files.append({
            'path': row['path'], 'file_name': row['file_name'], 'size': row['size'],
            'skip_decoded': row['skip_decoded'], 'reread_from_line': row['reread_from_line']}) -%}
    {%- endfor -%}
    {%- if is_incremental() -%}{%- do warn_shrunk_raw_files(glob, table_name, seen_sql) -%}{%- endif -%}
    {{ return(files) }}
{% endmacro %}


{% macro raw_files_dropped(source_name, table_name) %}
    {%- do source(source_name, table_name) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set dropped = adapter.get_relation(database=target.database, schema='audit', identifier='dropped_files') -%}
    {%- if dropped is none -%}{{ return([]) }}{%- endif -%}
    {%- set glob = raw_file_glob(source_name, table_name) -%}
    {%- set candidates = run_query(
        "select on_disk.path, on_disk.file_name, cast(max(drops.dropped_at) as string) as dropped_at"
        ~ " from (" ~ raw_files_on_disk(glob) ~ ") as on_disk"
        ~ " inner join " ~ dropped ~ " as drops"
        ~ " on drops.file_name = on_disk.file_name and drops.size_bytes = on_disk.size"
        ~ " and drops.source_name = " ~ sql_quote(source_name ~ '.' ~ table_name)
        ~ " group by on_disk.path, on_disk.file_name order by on_disk.file_name").rows -%}
    {%- set skipped = [] -%}
    {%- for row in candidates -%}
        {%- set fingerprint = raw_file_fingerprint(row['path']) -%}
        {%- set same_bytes = run_query("select count(*) from " ~ dropped ~ " where file_name = "
            ~ sql_quote(row['file_name']) ~ " and content_md5 = " ~ sql_quote(fingerprint)).columns[0].values()[0] -%}
        {%- if same_bytes > 0 -%}
            {%- do skipped.append(row['file_name']) -%}
            {%- if model is defined and model.unique_id is defined -%}
                {{ log(model.name ~ ": not reading " ~ row['file_name'] ~ ", dropped by forget_file at "
                    ~ row['dropped_at'] ~ " and unchanged since; remove it, or deliver the corrected file under its name", info=true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(skipped) }}
{% endmacro %}


{% macro raw_files_loaded_at(source_name, table_name) -%}
    {{- adapter.dispatch('raw_files_loaded_at', 'lakehouse')(raw_file_glob(source_name, table_name)) -}}
{%- endmacro %}

{% macro duckdb__raw_files_loaded_at(glob) -%}
    select max(last_modified) from read_blob({{ sql_quote(glob) }})
{%- endmacro %}

{% macro spark__raw_files_loaded_at(glob) -%}
    {%- set folder, pattern = glob.rsplit('/', 1) -%}
    select max(modificationTime)
    from binaryFile.{{ spark_path(folder) }}
    where regexp_extract(path, '([^/]*)$', 1) rlike {{ sql_quote(glob_regex(pattern)) }}
{%- endmacro %}


{% macro warn_shrunk_raw_files(glob, table_name, seen_sql) %}
    {%- set shrunk_sql -%}
        with
        on_disk as ({{ raw_files_on_disk(glob) }}),
        seen as ({{ seen_sql }})
        select
            seen.source_file,
            seen.file_size_bytes,
            on_disk.size,
            seen.last_line
        from on_disk
        inner join seen on on_disk.file_name = seen.source_file
        where on_disk.size < seen.file_size_bytes
        order by seen.source_file
    {%- endset -%}
    {%- for row in run_query(shrunk_sql).rows -%}
        {%- do exceptions.warn(
            table_name ~ " file " ~ row['source_file'] ~ " shrank since bronze read it: "
            ~ row['file_size_bytes'] ~ " bytes read, " ~ row['size'] ~ " on disk ("
            ~ (row['file_size_bytes'] - row['size']) ~ " fewer); bronze keeps the "
            ~ row['last_line'] ~ " lines it read, where a full refresh would read only what is"
            ~ " left (DESIGN.md, \"Bronze\")") -%}
    {%- endfor -%}
{% endmacro %}
