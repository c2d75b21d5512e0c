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
            {%- set found = run_query(
                "select count(*) from glob('" ~ glob ~ "')").columns[0].values()[0] -%}
            {%- if found == 0 -%}
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
        never seen, and files that grew since they were read. Returns a list of
        {path, file_name, size, lines_ingested}; lines_ingested counts the decoded lines
        already stored, so the read can skip them.
    -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set glob = raw_file_glob(source_name, table_name) -%}
    {%- if is_incremental() -%}
        {%- set seen_sql -%}
            select
                source_file,
                max(file_size_bytes) as file_size_bytes,
                count(*) filter (where reader_error is null) as lines_ingested
            from {{ this }}
            group by source_file
        {%- endset -%}
    {%- else -%}
        {%- set seen_sql -%}
            select
                null::varchar as source_file,
                null::bigint as file_size_bytes,
                null::bigint as lines_ingested
            where false
        {%- endset -%}
    {%- endif -%}
    {%- set inventory_sql -%}
        with
        on_disk as (
            select
                filename as path,
                parse_filename(filename) as file_name,
                size
            from read_blob('{{ glob }}')
        ),
        seen as ({{ seen_sql }})
        select
            on_disk.path,
            on_disk.file_name,
            on_disk.size,
            coalesce(seen.lines_ingested, 0) as lines_ingested
        from on_disk
        left join seen on on_disk.file_name = seen.source_file
        where seen.source_file is null or on_disk.size > seen.file_size_bytes
        order by on_disk.file_name
    {%- endset -%}
    {%- set files = [] -%}
    {%- for row in run_query(inventory_sql).rows -%}
        {%- do files.append({
            'path': row['path'], 'file_name': row['file_name'],
            'size': row['size'], 'lines_ingested': row['lines_ingested']}) -%}
    {%- endfor -%}
    {{ return(files) }}
{% endmacro %}


{% macro read_raw_lines(source_name, table_name, files) %}
    {#-
        New lines of the given files (from raw_files_to_ingest) through the source's own
        reader, one scan per file with its glob swapped for the file's path, so DuckDB opens
        only those files and `with ordinality` numbers each file's lines from 1 (over a
        multi-file scan it would number them across files, and recovering per-file numbers
        would need a window over every line). Lines the reader rejects are not numbered here:
        record_rejected_lines puts them back and shifts the others to their true numbers.
    -#}
    {%- if not files -%}
        select
            null::varchar as file_name,
            null::bigint as file_size_bytes,
            null::bigint as decoded_line_index,
            null::varchar as line
        where false
    {%- else -%}
        {%- set glob = "'" ~ raw_source_glob(source_name, table_name) ~ "'" -%}
        {%- set reader = source(source_name, table_name) | string -%}
        {#- each file is read by the source's own reader with its glob swapped for the file's
            path: a reader that does not name the glob as written would read every file -#}
        {%- if reader.count(glob) != 1 -%}
            {{ exceptions.raise_compiler_error(
                "read_raw_lines: the reader of source " ~ source_name ~ "." ~ table_name
                ~ " must name its glob " ~ glob ~ " exactly once; it is: " ~ reader) }}
        {%- endif -%}
        {%- for f in files %}
        select
            '{{ f.file_name }}' as file_name,
            {{ f.size }} as file_size_bytes,
            scan.ordinality as decoded_line_index,
            scan.line
        from {{ reader.replace(glob, "'" ~ f.path ~ "'") }} with ordinality as scan
        -- a grown file: only the lines after those already stored
        where scan.ordinality > {{ f.lines_ingested }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{% endmacro %}


{% macro reset_rejected_lines() %}
    {#- The reader appends to these per-connection tables: start each scan from empty. -#}
    drop table if exists temp.reject_errors;
    drop table if exists temp.reject_scans;
{% endmacro %}


{% macro record_rejected_lines(relation, source_name, table_name) %}
    {#-
        Post-hook of a raw-lines model: the lines the scan rejected (invalid UTF-8, a line over
        the reader's size limit) are skipped by the reader but recorded by
        store_rejects with their file and line number. Shift the lines decoded by this run past
        them, then insert them with the reader's error, so that every line is stored.
    -#}
    {%- if execute -%}
        {%- set scanned = run_query(
            "select count(*) from duckdb_tables() where temporary and table_name = 'reject_scans'"
        ).columns[0].values()[0] -%}
        {#- no file was read by this run: nothing can have been rejected -#}
        {%- if scanned == 0 -%}{{ return('') }}{%- endif -%}
    {%- endif %}
    create or replace temp table rejected_lines as
    select
        parse_filename(scans.file_path) as source_file,
        errors.line as line_number,
        ltrim(errors.csv_line, chr(10) || chr(13)) as raw_line,
        lower(replace(errors.error_type, ' ', '_')) as reader_error,
        on_disk.size as file_size_bytes,
        -- rejected lines of a file, in order: the k-th decoded line sits after every
        -- rejected line r_i with r_i - i < k
        row_number() over (partition by scans.file_path order by errors.line) as reject_rank
    from temp.reject_errors as errors
    inner join temp.reject_scans as scans
        on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
    inner join read_blob('{{ raw_file_glob(source_name, table_name) }}') as on_disk
        on scans.file_path = on_disk.filename;

    update {{ relation }} as stored
    set line_number = stored.line_number + (
        select count(*)
        from temp.rejected_lines as r
        where r.source_file = stored.source_file
            and r.line_number - r.reject_rank < stored.line_number
    )
    where stored.ingest_invocation_id = '{{ invocation_id }}'
        and stored.source_file in (select source_file from temp.rejected_lines);

    insert into {{ relation }} by name
    select
        r.source_file,
        r.line_number,
        r.raw_line,
        md5_number(r.raw_line) as line_hash,
        r.reader_error,
        r.file_size_bytes,
        '{{ invocation_id }}' as ingest_invocation_id,
        '{{ run_started_at }}'::timestamptz as ingested_at
    from temp.rejected_lines as r
    where not exists (
        select 1
        from {{ relation }} as stored
        where stored.source_file = r.source_file and stored.line_number = r.line_number
    );
{% endmacro %}
