{#- The project's two custom incremental strategies (DESIGN.md, "Incremental strategy"). dbt
    finds a strategy named `x` as the macro get_incremental_x_sql; each dispatches to its
    engine's implementation. -#}

{% macro get_incremental_recompute_keys_sql(arg_dict) %}
    {{- return(adapter.dispatch('recompute_keys_sql', 'lakehouse')(arg_dict)) -}}
{% endmacro %}

{% macro default__recompute_keys_sql(arg_dict) %}
    {%- set columns = arg_dict.dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- set among_keys = rows_among_keys(recompute_columns()) -%}
    delete from {{ arg_dict.target_relation }} where {{ among_keys }};
    insert into {{ arg_dict.target_relation }} ({{ columns }})
    select {{ columns }} from {{ arg_dict.temp_relation }} where {{ among_keys }}
{% endmacro %}

{% macro spark__recompute_keys_sql(arg_dict) %}
    {%- set columns = arg_dict.dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- set among_keys = rows_among_keys(recompute_columns()) -%}
    {%- set rows -%}
        {%- if recompute_keys_relation() is not none -%}
        select {{ columns }} from {{ arg_dict.target_relation }} where not ({{ among_keys }})
        union all
        {% endif -%}
        select {{ columns }} from {{ arg_dict.temp_relation }} where {{ among_keys }}
    {%- endset -%}
    {%- do spark_rewrite_table(arg_dict.target_relation, rows) -%}
    {%- do drop_recompute_keys() -%}
    {{ return("select 'rewritten' as recompute_keys") }}
{% endmacro %}


{% macro get_incremental_upsert_latest_sql(arg_dict) %}
    {{- return(adapter.dispatch('upsert_latest_sql', 'lakehouse')(arg_dict)) -}}
{% endmacro %}

{% macro default__upsert_latest_sql(arg_dict) %}
    {%- set key = upsert_key(arg_dict.unique_key) -%}
    {%- set latest_by = upsert_order() -%}
    {%- if recompute_keys_relation() is not none -%}
        delete from {{ arg_dict.target_relation }} where {{ rows_among_keys([key]) }};
    {%- endif %}
    merge into {{ arg_dict.target_relation }} as stored
    using {{ arg_dict.temp_relation }} as batch
        on stored.{{ key }} = batch.{{ key }}
    when matched and (batch.{{ latest_by | join(', batch.') }}) > (stored.{{ latest_by | join(', stored.') }})
        then update by name
    when not matched then insert by name
{% endmacro %}

{% macro spark__upsert_latest_sql(arg_dict) %}
    {%- set key = upsert_key(arg_dict.unique_key) -%}
    {%- set latest_by = upsert_order() -%}
    {%- set target = arg_dict.target_relation -%}
    {%- if recompute_keys_relation() is not none -%}
        {%- do delete_rows(target, rows_among_keys([key])) -%}
    {%- endif -%}
    {%- do run_query('insert into ' ~ target ~ ' select ' ~ arg_dict.dest_columns | map(attribute='quoted')
        | join(', ') ~ ' from ' ~ arg_dict.temp_relation) -%}
    {%- set repeated = run_query("select count(*) from (select " ~ key ~ " from " ~ target
        ~ " group by " ~ key ~ " having count(*) > 1) as repeated_keys").columns[0].values()[0] -%}
    {%- if repeated > 0 -%}
        {%- do spark_rewrite_table(target, "select * from " ~ target ~ " qualify row_number() over (partition by "
            ~ key ~ " order by " ~ latest_by | join(' desc, ') ~ " desc) = 1") -%}
    {%- endif -%}
    {%- do drop_recompute_keys() -%}
    {{ return("select " ~ repeated ~ " as keys_kept_latest") }}
{% endmacro %}


{% macro rows_among_keys(columns) -%}
    {%- set keys = recompute_keys_relation() -%}
    {%- if keys is none -%}
        {{- return('true') -}}
    {%- endif -%}
    {%- set tests = [] -%}
    {%- for column in columns -%}
        {%- do tests.append(column ~ ' in (select recomputed_key from ' ~ keys ~ ')') -%}
    {%- endfor -%}
    {{- return('(' ~ tests | join(' or ') ~ ')') -}}
{%- endmacro %}


{% macro upsert_key(unique_key) -%}
    {%- if unique_key is not string -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": upsert_latest needs one unique_key column, got "
            ~ unique_key) }}
    {%- endif -%}
    {{- return(unique_key) -}}
{%- endmacro %}


{% macro upsert_order() -%}
    {%- set latest_by = (config.get('meta') or {}).get('latest_by') -%}
    {%- if not latest_by -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": upsert_latest needs meta.latest_by, the columns "
            ~ "that order two versions of a key (the later one is kept)") }}
    {%- endif -%}
    {{- return(latest_by) -}}
{%- endmacro %}
