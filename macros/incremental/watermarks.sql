{#- Watermarks: where an incremental model's last run stopped. -#}

{% macro ingested_since_last_run(column='ingested_at') -%}
    {%- if is_incremental() -%}
        {{ column }} > (
            select coalesce(max(existing.ingested_at), {{ before_any_instant() }})
            from {{ this }} as existing
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro event_lines_reread(lines) %}
    {%- if not execute or not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ lines ~ " where reread_from_line is not null and "
        ~ ingested_since_last_run()).columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}


{% macro last_success_at() %}
    {%- if not execute or not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set audit = adapter.get_relation(
        database=target.database, schema='audit', identifier='dbt_run_results') -%}
    {%- if audit is none -%}{{ return(none) }}{%- endif -%}
    {%- set found = run_query(
        "select cast(max(run_started_at) as string) from " ~ audit
        ~ " where node_id = " ~ sql_quote(model.unique_id) ~ " and status = 'success'"
    ).columns[0].values()[0] -%}
    {{ return(none if found is none else "cast('" ~ found ~ "' as " ~ instant_type() ~ ")") }}
{% endmacro %}


{% macro rebuilt_since(relation, stamp_column, since) %}
    {%- if since is none -%}{{ return(true) }}{%- endif -%}
    {%- set newer = run_query(
        "select count(*) from " ~ relation ~ " where " ~ stamp_column ~ " > " ~ since
    ).columns[0].values()[0] -%}
    {{ return(newer > 0) }}
{% endmacro %}


{% macro touched_since(touched, since, column) -%}
    select distinct {{ column }}
    from {{ touched }}
    where recorded_at > {{ since }} and {{ column }} is not null
{%- endmacro %}
