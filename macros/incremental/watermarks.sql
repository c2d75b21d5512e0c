{#- Watermarks: where an incremental model's last run stopped. -#}

{% macro ingested_since_last_run(column='ingested_at') -%}
    {#- `column` may be qualified (new_versions.ingested_at); the model's own is ingested_at -#}
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
    {#- Whether the batch an incremental model reads from bronze (`lines`, rows ingested after
        the model's latest) holds lines bronze read again from a grown file. -#}
    {%- if not execute or not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ lines ~ " where reread_from_line is not null and "
        ~ ingested_since_last_run()).columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}


{% macro drop_superseded_verdicts(relation, lines) %}
    {#- Post-hook of int_events_parsed: the verdicts of lines that bronze has since read again
        (a grown file's last line) give way to the new reading's. Bronze marks a line read
        again with the line its re-read started from; nothing to do when no line was, nor in a
        full build, which parses each line's current reading only. -#}
    {%- if not is_incremental() -%}{{ return('') }}{%- endif -%}
    {{ delete_rows(relation, lines_read_again(lines)) }}
{% endmacro %}


{% macro last_success_at() %}
    {#- When the calling model last built successfully, from the run audit (an SQL timestamp
        literal), or none: not incremental, or no success recorded. An incremental gold model
        recomputes what changed since then, or everything when there is nothing to build on.
        (A run killed after the model succeeded records nothing: the next run recomputes the
        same keys again, which changes nothing.) -#}
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
    {#- Whether `relation` (a table stamped with the run that built it, `stamp_column`) was
        rebuilt after `since`: its inputs (a subscriptions snapshot, say) may then have
        changed anything, and the caller recomputes everything. -#}
    {%- if since is none -%}{{ return(true) }}{%- endif -%}
    {%- set newer = run_query(
        "select count(*) from " ~ relation ~ " where " ~ stamp_column ~ " > " ~ since
    ).columns[0].values()[0] -%}
    {{ return(newer > 0) }}
{% endmacro %}


{% macro touched_since(touched, since, column) -%}
    {#- SQL selecting the distinct values of `column` (event_id, user_id or event_date) that
        the runs recorded in the touch log (int_events_touched) after `since` touched. -#}
    select distinct {{ column }}
    from {{ touched }}
    where recorded_at > {{ since }} and {{ column }} is not null
{%- endmacro %}
