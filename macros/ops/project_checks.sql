{% macro check_vars() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if as_of is not none and as_of != '' -%}
        {%- if run_query("select try_cast(" ~ sql_quote(as_of) ~ " as date)").columns[0].values()[0] is none -%}
            {{ var_error('as_of_date', as_of, 'a date YYYY-MM-DD, or null for the latest date in the data') }}
        {%- endif -%}
    {%- endif -%}
    {%- set min_ts = var('min_valid_event_ts') -%}
    {%- if run_query("select try_cast(" ~ sql_quote(min_ts) ~ " as " ~ instant_type() ~ ")").columns[0].values()[0] is none -%}
        {{ var_error('min_valid_event_ts', min_ts, 'a date or timestamp, e.g. 2000-01-01') }}
    {%- endif -%}
    {%- set clock = var('validation_clock', none) -%}
    {%- if clock is not none and clock not in ['', 'None', 'none', 'null']
          and run_query("select try_cast(" ~ sql_quote(clock) ~ " as " ~ instant_type() ~ ")").columns[0].values()[0] is none -%}
        {{ var_error('validation_clock', clock, 'a timestamp, e.g. 2024-01-10 00:00:00+00, or null for the start of the run') }}
    {%- endif -%}
    {%- if not (var('max_future_days') is number and var('max_future_days') >= 0) -%}
        {{ var_error('max_future_days', var('max_future_days'), 'a number of days >= 0') }}
    {%- endif -%}
    {%- if not (var('dq_volume_window_runs') is number and var('dq_volume_window_runs') >= 1) -%}
        {{ var_error('dq_volume_window_runs', var('dq_volume_window_runs'), 'a number of runs >= 1') }}
    {%- endif -%}
    {%- for gate in ['dq_quarantine_rate', 'dq_duplicate_rate', 'dq_conflicting_duplicate_rate',
                     'dq_late_event_rate', 'dq_orphan_refunds', 'dq_spend_gap_days',
                     'dq_batch_volume_deviation', 'dq_hours_since_latest_event'] -%}
        {%- set levels = var(gate) -%}
        {%- set well_formed = levels is mapping and (levels.keys() | list | sort) == ['error', 'warn'] -%}
        {#- null may arrive as text from --vars (YAML reads None as a string): within_thresholds
            treats these as no limit too -#}
        {%- if well_formed and (levels.values() | reject('none') | reject('number')
                                | reject('in', ['None', 'none', 'null', '']) | list) -%}
            {%- set well_formed = false -%}
        {%- endif -%}
        {%- if not well_formed -%}
            {{ var_error(gate, levels, '{warn: <number or null>, error: <number or null>}') }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{% macro var_error(name, value, expected) %}
    {{ exceptions.raise_compiler_error(
        "var " ~ name ~ " is " ~ (value | string) ~ ": it must be " ~ expected
        ~ " (set it in dbt_project.yml, or with --vars '{" ~ name ~ ": ...}')") }}
{% endmacro %}


{% macro check_seeds_loaded() %}
    {%- if not execute or flags.WHICH != 'run' -%}{{ return('') }}{%- endif -%}
    {%- for seed in graph.nodes.values() | selectattr('resource_type', 'eq', 'seed') -%}
        {%- if adapter.get_relation(database=seed.database, schema=seed.schema,
                                    identifier=seed.alias) is none -%}
            {{ exceptions.raise_compiler_error(
                "The seeds are not loaded in this lakehouse (" ~ seed.schema ~ "." ~ seed.alias
                ~ " is missing): run `dbt build` (or `dbt seed`, then `dbt run`).") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{% macro warn_unmatched_raw_files() %}
    {%- if not execute or flags.WHICH not in ['run', 'build'] -%}{{ return('') }}{%- endif -%}
    {%- set matched = [] -%}
    {%- set prefixes = [] -%}
    {%- for node in raw_sources() -%}
        {%- set glob = raw_file_glob(node.source_name, node.name) -%}
        {%- do matched.extend(raw_file_names(glob)) -%}
        {%- do prefixes.append(glob.split('/')[-1].split('*')[0] | lower) -%}
    {%- endfor -%}
    {%- set unmatched = [] -%}
    {%- for file_name in raw_file_names(project_path(var('raw_root')) ~ '/*') | sort(case_sensitive=true)
        if file_name not in matched -%}
        {%- set looks = namespace(like_a_delivery=false) -%}
        {%- for prefix in prefixes if (file_name | lower).startswith(prefix) -%}
            {%- set looks.like_a_delivery = true -%}
        {%- endfor -%}
        {%- if looks.like_a_delivery -%}{%- do unmatched.append(file_name) -%}{%- endif -%}
    {%- endfor -%}
    {%- if unmatched | length > 0 -%}
        {{ exceptions.warn(
            "raw_root holds " ~ (unmatched | length) ~ " file(s) that no source reads: "
            ~ (unmatched | join(', ')) ~ ". The sources read "
            ~ (raw_sources() | map(attribute='config.meta.file_glob') | join(', '))
            ~ " (names are case-sensitive; compressed files are not read).") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro check_lakehouse_location() %}
    {%- if not execute or target.type != 'duckdb' or env_var('LAKEHOUSE_DB', '')
          or target.path.startswith('/') or target.path == ':memory:' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set opened = run_query(
        "select path from duckdb_databases() where database_name = current_database()"
    ).columns[0].values()[0] -%}
    {%- set folder = opened.rsplit('/', 1)[0] -%}
    {%- set beside_project = run_query(
        "select count(*) from glob(" ~ sql_quote(folder ~ '/dbt_project.yml') ~ ")"
    ).columns[0].values()[0] -%}
    {%- if beside_project == 0 -%}
        {{ exceptions.raise_compiler_error(
            "The lakehouse path " ~ target.path ~ " resolved against the directory dbt was started from, "
            ~ folder ~ ", which is not the project (" ~ invocation_args_dict.project_dir
            ~ "): run dbt from the project directory, or set LAKEHOUSE_DB to the file you mean, e.g. "
            ~ invocation_args_dict.project_dir ~ "/lakehouse.duckdb"
            ~ " (DuckDB created an empty " ~ opened ~ ": delete it).") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
