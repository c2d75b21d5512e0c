{% macro raw_sources() %}
    {#- The raw sources: every source table that declares a `meta.file_glob`, in a fixed order.
        The one place that lists them (the missing-file check and the scheduled run's
        fingerprints read it). Empty while parsing: the graph is only complete at execution. -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(graph.sources.values() | selectattr('config.meta.file_glob') | sort(attribute='unique_id') | list) }}
{% endmacro %}


{% macro project_path(path) -%}
    {#- A path as DuckDB must open it: an absolute path as it is, a relative one joined to the
        project directory, wherever dbt was started from. -#}
    {%- if path.startswith('/') -%}
        {{- path -}}
    {%- else -%}
        {{- invocation_args_dict.project_dir ~ '/' ~ path -}}
    {%- endif -%}
{%- endmacro %}


{% macro raw_source_glob(source_name, table_name) -%}
    {#- A raw source's `meta.file_glob` as declared (var('raw_root') joined with the file
        pattern), which its reader names too. The graph is only complete at execution;
        parsing needs no real value. -#}
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
    {#- The glob of a raw source's files as DuckDB must open it: resolved against the project
        directory. -#}
    {{- project_path(raw_source_glob(source_name, table_name)) -}}
{%- endmacro %}


{% macro assert_raw_files_present() %}
    {#- Fail fast, before any model runs, when a raw source has no file to read. -#}
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
    {#-
        The files of a raw source that hold lines not yet in this (incremental) model: files
        never seen, and files that grew since they were read. A grown file is read again from
        its last stored line, which may have been stored incomplete (its producer was still
        writing it) or have been continued since: its new reading replaces the stored one.
        Returns a list of {path, file_name, size, skip_decoded, reread_from_line}:
        skip_decoded counts the decoded lines kept before the re-read, reread_from_line is the
        first line replaced (null for a file never seen).
    -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
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
    {%- set files = [] -%}
    {%- for row in run_query(inventory_sql).rows -%}
        {%- do files.append({
            'path': row['path'], 'file_name': row['file_name'], 'size': row['size'],
            'skip_decoded': row['skip_decoded'], 'reread_from_line': row['reread_from_line']}) -%}
    {%- endfor -%}
    {%- if is_incremental() -%}{%- do warn_shrunk_raw_files(glob, table_name, seen_sql) -%}{%- endif -%}
    {{ return(files) }}
{% endmacro %}


{% macro warn_shrunk_raw_files(glob, table_name, seen_sql) %}
    {#- A file smaller on disk than when it was read (truncated, rotated) is not read again:
        its stored lines stay, where a full refresh would read only what is left. Named in a
        warning, one line per file, with both sizes (DESIGN.md, "Bronze"). `seen_sql` is
        raw_files_seen of the calling model. -#}
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
