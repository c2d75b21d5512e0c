{#- Reading raw files as lines, per engine (DESIGN.md, "Bronze" and "Spark"): the models call
    the dispatchers, each engine has its implementation. -#}

{% macro raw_files_on_disk(glob) -%}
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
    `{{ path | replace('`', '``') }}`
{%- endmacro %}


{% macro glob_regex(pattern) -%}
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
    select
        source_file,
        max(file_size_bytes) as file_size_bytes,
        max(line_number) as last_line,
        max(line_number) - 1 as decoded_before_last
    from {{ relation }}
    group by source_file
{%- endmacro %}


{% macro read_raw_lines(files) -%}
    {{- adapter.dispatch('read_raw_lines', 'lakehouse')(files) -}}
{%- endmacro %}

{% macro raw_lines_reader(path) -%}
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
    {{- adapter.dispatch('reset_rejected_lines', 'lakehouse')() -}}
{%- endmacro %}

{% macro duckdb__reset_rejected_lines() %}
    drop table if exists temp.reject_errors;
    drop table if exists temp.reject_scans;
{% endmacro %}

{% macro spark__reset_rejected_lines() -%}
{%- endmacro %}


{% macro settle_raw_lines(relation, source_name, table_name) -%}
    {{- adapter.dispatch('settle_raw_lines', 'lakehouse')(relation, source_name, table_name) -}}
{%- endmacro %}

{% macro duckdb__settle_raw_lines(relation, source_name, table_name) %}
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
    {%- if is_incremental() -%}
        {{ delete_rows(relation, lines_read_again(relation)) }}
    {%- endif -%}
{%- endmacro %}


{% macro lines_read_again(relation) -%}
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
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(run_query(
        "select file_name from (" ~ raw_files_on_disk(glob) ~ ") as on_disk"
    ).columns[0].values() | list) }}
{%- endmacro %}


{% macro read_raw_files(glob, skip=[]) -%}
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
    {{- return(run_query(adapter.dispatch('raw_file_fingerprint_sql', 'lakehouse')(path)).columns[0].values()[0]) -}}
{%- endmacro %}

{% macro duckdb__raw_file_fingerprint_sql(path) -%}
    select md5(content) from read_blob({{ sql_quote(path) }})
{%- endmacro %}

{% macro spark__raw_file_fingerprint_sql(path) -%}
    select md5(content) from binaryFile.{{ spark_path(path) }}
{%- endmacro %}
