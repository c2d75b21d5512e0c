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


{% macro raw_source(source_name, table_name) -%}
    {#- A raw source's reader over all its files, its glob resolved against the project
        directory (the source as declared reads a relative raw_root from wherever dbt was
        started). -#}
    {%- set reader = source(source_name, table_name) | string -%}
    {%- if not execute -%}{{ return(reader) }}{%- endif -%}
    {#- the reader names the glob as the template wrote it, quotes in it not doubled -#}
    {%- set glob = "'" ~ raw_source_glob(source_name, table_name) ~ "'" -%}
    {%- if reader.count(glob) != 1 -%}
        {{ exceptions.raise_compiler_error(
            "raw_source: the reader of source " ~ source_name ~ "." ~ table_name
            ~ " must name its glob " ~ glob ~ " exactly once; it is: " ~ reader) }}
    {%- endif -%}
    {{- reader.replace(glob, sql_quote(raw_file_glob(source_name, table_name))) -}}
{%- endmacro %}


{% macro assert_raw_files_present() %}
    {#- Fail fast, before any model runs, when a raw source has no file to read. -#}
    {%- if execute and flags.WHICH in ['run', 'build'] -%}
        {%- for node in raw_sources() -%}
            {%- set glob = raw_file_glob(node.source_name, node.name) -%}
            {%- set found = run_query(
                "select count(*) from glob(" ~ sql_quote(glob) ~ ")").columns[0].values()[0] -%}
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
        {%- set seen_sql -%}
            select
                source_file,
                max(file_size_bytes) as file_size_bytes,
                max(line_number) as last_line,
                -- decoded lines before the last one: the re-read skips that many
                count(*) filter (where reader_error is null)
                - arg_max((reader_error is null)::int, line_number) as decoded_before_last
            from {{ this }}
            group by source_file
        {%- endset -%}
    {%- else -%}
        {%- set seen_sql -%}
            select
                null::varchar as source_file,
                null::bigint as file_size_bytes,
                null::bigint as last_line,
                null::bigint as decoded_before_last
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
            from read_blob({{ sql_quote(glob) }})
        ),
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
    {{ return(files) }}
{% endmacro %}


{% macro raw_lines_reader(path) -%}
    {#- DuckDB's reader of a text file as raw lines: one VARCHAR per line, never parsed. No
        quote, no escape, and a delimiter of four control characters that no valid JSON or CSV
        line holds: a one-byte delimiter would cut a corrupted line containing it and drop the
        rest silently. A line that is not valid UTF-8 (or over the line size limit) is skipped
        by the scan and recorded by store_rejects; settle_raw_lines puts it back. -#}
    read_csv(
        {{ sql_quote(path) }},
        columns = {'line': 'varchar'},
        header = false,
        delim = chr(31) || chr(30) || chr(29) || chr(28),
        quote = '',
        escape = '',
        auto_detect = false,
        strict_mode = false,
        ignore_errors = true,
        store_rejects = true
    )
{%- endmacro %}


{% macro read_raw_lines(files) %}
    {#-
        The rows a raw-lines model stores for the given files (from raw_files_to_ingest): the
        file, the line number, the line as text ('' for an empty line), the file's size, where
        a grown file's re-read started, and the run. One scan per file, so that DuckDB opens
        only those files and `with ordinality` numbers each file's lines from 1 (over a
        multi-file scan it would number them across files, and recovering per-file numbers
        would need a window over every line). Lines the reader rejects are not numbered here:
        settle_raw_lines puts them back and shifts the others to their true numbers.
    -#}
    {%- if not files -%}
        select
            null::varchar as source_file,
            null::bigint as line_number,
            null::varchar as raw_line,
            null::varchar as reader_error,
            null::bigint as file_size_bytes,
            null::bigint as reread_from_line,
            null::varchar as ingest_invocation_id,
            null::timestamptz as ingested_at
        where false
    {%- else -%}
        {%- for f in files %}
        select
            {{ sql_quote(f.file_name) }} as source_file,
            scan.ordinality::bigint as line_number,
            coalesce(scan.line, '') as raw_line,
            null::varchar as reader_error,
            {{ f.size }}::bigint as file_size_bytes,
            {{ f.reread_from_line if f.reread_from_line is not none else 'null' }}::bigint
                as reread_from_line,
            '{{ invocation_id }}' as ingest_invocation_id,
            '{{ run_started_at }}'::timestamptz as ingested_at
        from {{ raw_lines_reader(f.path) }} with ordinality as scan
        -- a grown file: from its last stored line on
        where scan.ordinality > {{ f.skip_decoded }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{% endmacro %}


{% macro reset_rejected_lines() %}
    {#- The reader appends to these per-connection tables: start each scan from empty. -#}
    drop table if exists temp.reject_errors;
    drop table if exists temp.reject_scans;
{% endmacro %}


{% macro settle_raw_lines(relation, source_name, table_name) %}
    {#-
        Post-hook of a raw-lines model, after its insert:
        1. a grown file's lines read again by this run replace their earlier reading (from the
           line the re-read started at);
        2. the lines the scan rejected (invalid UTF-8, a line over the reader's size limit) are
           skipped by the reader but recorded by store_rejects with their file and line
           number: the lines decoded by this run shift past them, then they are inserted with
           the reader's error, so that every line is stored.
    -#}
    {%- if execute -%}
        {%- set scanned = run_query(
            "select count(*) from duckdb_tables() where temporary and table_name = 'reject_scans'"
        ).columns[0].values()[0] -%}
        {#- no file was read by this run: nothing to replace, nothing rejected -#}
        {%- if scanned == 0 -%}{{ return('') }}{%- endif -%}
    {%- endif %}
    delete from {{ relation }} as stored
    using (
        select distinct source_file, reread_from_line
        from {{ relation }}
        where ingested_at = '{{ run_started_at }}'::timestamptz and reread_from_line is not null
    ) as reread
    where
        stored.source_file = reread.source_file
        and stored.line_number >= reread.reread_from_line
        and stored.ingested_at < '{{ run_started_at }}'::timestamptz;

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
    inner join read_blob({{ sql_quote(raw_file_glob(source_name, table_name)) }}) as on_disk
        on scans.file_path = on_disk.filename;

    update {{ relation }} as stored
    set line_number = stored.line_number + (
        select count(*)
        from temp.rejected_lines as r
        where r.source_file = stored.source_file
            and r.line_number - r.reject_rank < stored.line_number
    )
    -- (the run's own rows: their ingested_at is the run's start, which prunes older row groups)
    where stored.ingested_at = '{{ run_started_at }}'::timestamptz
        and stored.source_file in (select source_file from temp.rejected_lines);

    insert into {{ relation }} by name
    select
        r.source_file,
        r.line_number,
        r.raw_line,
        r.reader_error,
        r.file_size_bytes,
        reread.reread_from_line,
        '{{ invocation_id }}' as ingest_invocation_id,
        '{{ run_started_at }}'::timestamptz as ingested_at
    from temp.rejected_lines as r
    left join (
        select distinct source_file, reread_from_line
        from {{ relation }}
        where ingested_at = '{{ run_started_at }}'::timestamptz
    ) as reread
        on r.source_file = reread.source_file
    where not exists (
        select 1
        from {{ relation }} as stored
        where stored.source_file = r.source_file and stored.line_number = r.line_number
    );
{% endmacro %}
