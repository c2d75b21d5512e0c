{#- Reading raw files as lines, per engine (DESIGN.md, "Bronze" and "Spark"): the models call
    the dispatchers, each engine has its implementation. -#}

{% macro raw_files_on_disk(glob) -%}
    {#- A query listing the files that match a glob: path (as the engine opens it), file_name
        (without directory) and size in bytes. Reads no content. -#}
    {{- adapter.dispatch('raw_files_on_disk', 'lakehouse')(glob) -}}
{%- endmacro %}

{% macro duckdb__raw_files_on_disk(glob) -%}
    select
        filename as path,
        parse_filename(filename) as file_name,
        size
    from read_blob({{ sql_quote(glob) }})
{%- endmacro %}

{% macro spark__raw_files_on_disk(glob) -%}
    select
        path,
        file_name,
        length as size
    from ({{ spark_files_matching(glob) }}) as listed
{%- endmacro %}

{% macro spark_files_matching(glob) -%}
    {#- Spark's binaryFile rows (path, length, content) of the files that match a glob, with
        file_name. The glob's directory is listed and the names matched by a regular
        expression: an inline path glob that matches nothing is an error in Spark, where it
        must be an empty list. binaryFile reads no content unless `content` is selected. -#}
    {%- set folder, pattern = glob.rsplit('/', 1) if '/' in glob else ('.', glob) -%}
    select * from (
        select
            path,
            length,
            content,
            regexp_extract(path, '([^/]*)$', 1) as file_name
        from binaryFile.{{ spark_path(folder) }}
    )
    where file_name rlike {{ sql_quote(glob_regex(pattern)) }}
{%- endmacro %}


{% macro spark_path(path) -%}
    {#- A path as Spark's inline file source names it: in backticks, a backtick doubled. -#}
    `{{ path | replace('`', '``') }}`
{%- endmacro %}


{% macro glob_regex(pattern) -%}
    {#- A file-name glob (`*` any run of characters, `?` one) as an anchored regular expression
        with no backslash, so that it reads the same in DuckDB's and Spark's string literals. -#}
    {%- set parts = [] -%}
    {%- for char in pattern -%}
        {%- if char == '*' -%}{%- do parts.append('.*') -%}
        {%- elif char == '?' -%}{%- do parts.append('.') -%}
        {%- elif char.isalnum() or char in '_-' -%}{%- do parts.append(char) -%}
        {%- elif char in '[]^' -%}
            {{ exceptions.raise_compiler_error(
                "glob_regex: the file pattern '" ~ pattern ~ "' holds '" ~ char
                ~ "'; only * and ? are wildcards, and [ ] ^ are not supported in a raw file name") }}
        {%- else -%}{%- do parts.append('[' ~ char ~ ']') -%}
        {%- endif -%}
    {%- endfor -%}
    ^{{ parts | join('') }}$
{%- endmacro %}


{% macro raw_files_seen(relation) -%}
    {#- A query summing up what a raw-lines model holds per file: source_file, the file's size
        when read (file_size_bytes), its last stored line (last_line), and how many lines the
        reader decoded before that last line (decoded_before_last: a re-read skips that many). -#}
    {{- adapter.dispatch('raw_files_seen', 'lakehouse')(relation) -}}
{%- endmacro %}

{% macro duckdb__raw_files_seen(relation) -%}
    select
        source_file,
        max(file_size_bytes) as file_size_bytes,
        max(line_number) as last_line,
        -- decoded lines before the last one: the re-read skips that many
        count(*) filter (where reader_error is null)
        - arg_max((reader_error is null)::int, line_number) as decoded_before_last
    from {{ relation }}
    group by source_file
{%- endmacro %}

{% macro spark__raw_files_seen(relation) -%}
    {#- Spark's reader decodes every line (spark__read_raw_lines): all before the last -#}
    select
        source_file,
        max(file_size_bytes) as file_size_bytes,
        max(line_number) as last_line,
        max(line_number) - 1 as decoded_before_last
    from {{ relation }}
    group by source_file
{%- endmacro %}


{% macro read_raw_lines(files) -%}
    {#- The rows a raw-lines model stores for the given files (from raw_files_to_ingest): the
        file, the line number, the line as text ('' for an empty line), the reader's error for
        a line it could not decode, the file's size, where a grown file's re-read started, and
        the run. -#}
    {{- adapter.dispatch('read_raw_lines', 'lakehouse')(files) -}}
{%- endmacro %}

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


{% macro duckdb__read_raw_lines(files) %}
    {#-
        One scan per file, so that DuckDB opens
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

{% macro spark__read_raw_lines(files) %}
    {#-
        One scan of Spark's text source per file: it splits lines on \n, \r\n or \r and keeps
        each line's bytes as they are, so a line that is not valid UTF-8 is kept and told
        apart here (`invalid_encoding`, as DuckDB's reader names it; its text with U+FFFD for
        the invalid bytes). The text source has no line number: a file is read in order, in
        splits numbered in order, so monotonically_increasing_id() orders its lines, and
        row_number() over it is the number. A grown file is read whole again (every line is
        numbered, none rejected), and its lines from the re-read's first on are kept.
    -#}
    {%- if not files -%}
        select
            cast(null as string) as source_file,
            cast(null as bigint) as line_number,
            cast(null as string) as raw_line,
            cast(null as string) as reader_error,
            cast(null as bigint) as file_size_bytes,
            cast(null as bigint) as reread_from_line,
            cast(null as string) as ingest_invocation_id,
            cast(null as {{ instant_type() }}) as ingested_at
        where false
    {%- else -%}
        {%- for f in files %}
        select * from (
            select
                {{ sql_quote(f.file_name) }} as source_file,
                cast(row_number() over (order by monotonically_increasing_id()) as bigint)
                    as line_number,
                make_valid_utf8(scan.value) as raw_line,
                case when not is_valid_utf8(scan.value) then 'invalid_encoding' end
                    as reader_error,
                cast({{ f.size }} as bigint) as file_size_bytes,
                cast({{ f.reread_from_line if f.reread_from_line is not none else 'null' }} as bigint)
                    as reread_from_line,
                '{{ invocation_id }}' as ingest_invocation_id,
                {{ run_started_instant() }} as ingested_at
            from text.{{ spark_path(f.path) }} as scan
        ) as numbered
        {%- if f.reread_from_line is not none %}
        -- a grown file: from its last stored line on
        where numbered.line_number >= {{ f.reread_from_line }}
        {%- endif %}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{% endmacro %}


{% macro reset_rejected_lines() -%}
    {#- Pre-hook of a raw-lines model: clear what the engine's reader recorded of an earlier
        scan. -#}
    {{- adapter.dispatch('reset_rejected_lines', 'lakehouse')() -}}
{%- endmacro %}

{% macro duckdb__reset_rejected_lines() %}
    {#- The reader appends to these per-connection tables: start each scan from empty. -#}
    drop table if exists temp.reject_errors;
    drop table if exists temp.reject_scans;
{% endmacro %}

{% macro spark__reset_rejected_lines() -%}
    {#- Spark's text source rejects no line: nothing recorded -#}
{%- endmacro %}


{% macro settle_raw_lines(relation, source_name, table_name) -%}
    {#- Post-hook of a raw-lines model, after its insert: a grown file's lines read again
        replace their earlier reading, and lines the reader rejected are put back. -#}
    {{- adapter.dispatch('settle_raw_lines', 'lakehouse')(relation, source_name, table_name) -}}
{%- endmacro %}

{% macro duckdb__settle_raw_lines(relation, source_name, table_name) %}
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
    {{ delete_rows(relation, lines_read_again(relation)) }};

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

{% macro spark__settle_raw_lines(relation, source_name, table_name) -%}
    {#- Spark's reader rejects no line: only a grown file's earlier reading to replace -#}
    {%- if is_incremental() -%}
        {{ delete_rows(relation, lines_read_again(relation)) }}
    {%- endif -%}
{%- endmacro %}


{% macro lines_read_again(relation) -%}
    {#- Whether a stored line (`stored`: a row of a raw-lines model, or of a model keyed by its
        lines, as int_events_parsed) was read again since by the raw-lines model `relation`: a
        line of a grown file, from the line a later re-read started at. Not bound to this run,
        so that a run that died between its insert and this delete (on Spark they are separate
        statements) is settled by the next. -#}
    exists (
        select 1
        from {{ relation }} as reread
        where
            reread.reread_from_line is not null
            and reread.source_file = stored.source_file
            and reread.reread_from_line <= stored.line_number
            and reread.ingested_at > stored.ingested_at
    )
{%- endmacro %}


{% macro raw_file_names(glob) -%}
    {#- The names (without directory) of the files that match a glob, as a list. -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(run_query(
        "select file_name from (" ~ raw_files_on_disk(glob) ~ ") as on_disk"
    ).columns[0].values() | list) }}
{%- endmacro %}


{% macro read_raw_files(glob, skip=[]) -%}
    {#- A query reading each file that matches a glob whole, but those named in `skip`:
        source_file (its name), file_text (its text, null when it is not UTF-8) and
        content_text (its bytes as text whatever they are, for quarantine: DuckDB shows a byte
        that is not UTF-8 escaped, Spark as U+FFFD). -#}
    {{- adapter.dispatch('read_raw_files', 'lakehouse')(glob, skip) -}}
{%- endmacro %}

{% macro duckdb__read_raw_files(glob, skip) -%}
    select
        parse_filename(filename) as source_file,
        try(decode(content)) as file_text,
        cast(content as varchar) as content_text
    from read_blob({{ sql_quote(glob) }})
    {%- if skip %}
    where parse_filename(filename) not in ({{ sql_strings(skip) }})
    {%- endif %}
{%- endmacro %}

{% macro spark__read_raw_files(glob, skip) -%}
    select
        file_name as source_file,
        case when is_valid_utf8(file_string) then file_string end as file_text,
        make_valid_utf8(file_string) as content_text
    from (
        select
            file_name,
            cast(content as string) as file_string
        from ({{ spark_files_matching(glob) }}) as listed
        {%- if skip %}
        where file_name not in ({{ sql_strings(skip) }})
        {%- endif %}
    )
{%- endmacro %}


{% macro raw_file_fingerprint(path) -%}
    {#- The MD5 of one file's bytes, as hex text (reads the whole file). -#}
    {{- return(run_query(adapter.dispatch('raw_file_fingerprint_sql', 'lakehouse')(path)).columns[0].values()[0]) -}}
{%- endmacro %}

{% macro duckdb__raw_file_fingerprint_sql(path) -%}
    select md5(content) from read_blob({{ sql_quote(path) }})
{%- endmacro %}

{% macro spark__raw_file_fingerprint_sql(path) -%}
    select md5(content) from binaryFile.{{ spark_path(path) }}
{%- endmacro %}
