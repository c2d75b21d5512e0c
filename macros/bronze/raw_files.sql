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


{% macro record_raw_file_reads(relation, source_name, table_name) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set read_now = run_query("select source_file, max(file_size_bytes) as file_size_bytes from "
        ~ relation ~ " where ingested_at = " ~ run_started_instant() ~ " group by source_file").rows -%}
    {%- if read_now | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- do create_audit_table('raw_file_reads', [
        ('source_name', 'string'), ('file_name', 'string'), ('size_bytes', 'bigint'),
        ('modified_at', instant_type()), ('content_md5', 'string'), ('read_at', instant_type())]) -%}
    {%- set files = {} -%}
    {%- for row in read_now -%}{%- do files.update({row['source_file']: row['file_size_bytes']}) -%}{%- endfor -%}
    {%- set insert_sql -%}
        insert into audit.raw_file_reads
        select
            {{ sql_quote(source_name ~ '.' ~ table_name) }},
            fingerprints.file_name,
            fingerprints.size_bytes,
            fingerprints.modified_at,
            fingerprints.content_md5,
            {{ run_started_instant() }}
        from ({{ raw_file_fingerprints(raw_file_glob(source_name, table_name), files) }}) as fingerprints
    {%- endset -%}
    {{ return(insert_sql) }}
{% endmacro %}


{% macro raw_file_fingerprints(glob, files) -%}
    {{- adapter.dispatch('raw_file_fingerprints', 'lakehouse')(glob, files) -}}
{%- endmacro %}

{% macro duckdb__raw_file_fingerprints(glob, files) -%}
    select
        read.file_name,
        read.size_bytes,
        on_disk.last_modified as modified_at,
        md5(on_disk.content[1:read.size_bytes]) as content_md5
    {#- the files by their paths: a glob would make read_blob load every file's content -#}
    {%- set folder = glob.rsplit('/', 1)[0] %}
    from read_blob([
        {%- for name in files %}
        {{ sql_quote(folder ~ '/' ~ name) }}{{ "," if not loop.last }}
        {%- endfor %}
    ]) as on_disk
    inner join (values
        {%- for name, size in files.items() %}
        ({{ sql_quote(name) }}, {{ size }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as read (file_name, size_bytes)
        on parse_filename(on_disk.filename) = read.file_name
{%- endmacro %}

{% macro spark__raw_file_fingerprints(glob, files) -%}
    {%- set folder, pattern = glob.rsplit('/', 1) -%}
    select
        read.file_name,
        read.size_bytes,
        on_disk.modificationTime as modified_at,
        md5(substring(on_disk.content, 1, read.size_bytes)) as content_md5
    from binaryFile.{{ spark_path(folder) }} as on_disk
    inner join (values
        {%- for name, size in files.items() %}
        ({{ sql_quote(name) }}, {{ size }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as read (file_name, size_bytes)
        on regexp_extract(on_disk.path, '([^/]*)$', 1) = read.file_name
{%- endmacro %}


{% macro check_raw_files_unchanged() %}
    {%- if not execute or flags.WHICH not in ['run', 'build'] -%}{{ return('') }}{%- endif -%}
    {%- set reads = adapter.get_relation(database=target.database, schema='audit', identifier='raw_file_reads') -%}
    {%- if reads is none or flags.FULL_REFRESH -%}{{ return('') }}{%- endif -%}
    {%- set changed = [] -%}
    {%- for node in raw_sources() -%}
        {%- set source = node.source_name ~ '.' ~ node.name -%}
        {%- set glob = raw_file_glob(node.source_name, node.name) -%}
        {#- a file modified since bronze read it, no smaller (a smaller one is warned about by
            bronze): are the bytes bronze read still its first bytes? -#}
        {%- set candidates = run_query(
            "select on_disk.path, latest.file_name, latest.size_bytes, latest.content_md5"
            ~ " from (" ~ raw_files_modified(glob) ~ ") as on_disk"
            ~ " inner join (select * from " ~ reads ~ " where source_name = " ~ sql_quote(source)
            ~ " qualify row_number() over (partition by file_name order by read_at desc) = 1) as latest"
            ~ " on on_disk.file_name = latest.file_name"
            ~ " where on_disk.size >= latest.size_bytes and on_disk.modified_at <> latest.modified_at").rows -%}
        {%- for row in candidates -%}
            {%- set now = run_query(raw_file_prefix_fingerprint_sql(row['path'], row['size_bytes'])).columns[0].values()[0] -%}
            {%- if now != row['content_md5'] -%}{%- do changed.append(row['file_name']) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if changed -%}
        {{ exceptions.raise_compiler_error(
            (changed | join(', ')) ~ " changed in place since bronze read " ~ ("it" if changed | length == 1 else "them")
            ~ " (the bytes read then are not the file's first bytes now). Raw files are append-only: deliver a "
            ~ "correction as a new file, or drop the file with `make forget FILE=" ~ changed[0]
            ~ "` (dbt run-operation forget_file) and the next build reads it anew") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro raw_files_modified(glob) -%}
    {{- adapter.dispatch('raw_files_modified', 'lakehouse')(glob) -}}
{%- endmacro %}

{% macro duckdb__raw_files_modified(glob) -%}
    select filename as path, parse_filename(filename) as file_name, size, last_modified as modified_at
    from read_blob({{ sql_quote(glob) }})
{%- endmacro %}

{% macro spark__raw_files_modified(glob) -%}
    {%- set folder, pattern = glob.rsplit('/', 1) -%}
    select path, file_name, length as size, modificationTime as modified_at
    from (
        select path, length, modificationTime, regexp_extract(path, '([^/]*)$', 1) as file_name
        from binaryFile.{{ spark_path(folder) }}
    ) as listed
    where file_name rlike {{ sql_quote(glob_regex(pattern)) }}
{%- endmacro %}


{% macro raw_file_prefix_fingerprint_sql(path, size) -%}
    {{- adapter.dispatch('raw_file_prefix_fingerprint_sql', 'lakehouse')(path, size) -}}
{%- endmacro %}

{% macro duckdb__raw_file_prefix_fingerprint_sql(path, size) -%}
    select md5(content[1:{{ size }}]) from read_blob({{ sql_quote(path) }})
{%- endmacro %}

{% macro spark__raw_file_prefix_fingerprint_sql(path, size) -%}
    select md5(substring(content, 1, {{ size }})) from binaryFile.{{ spark_path(path) }}
{%- endmacro %}
