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


{% macro verdict_due_again(verdict) -%}
    {#- Whether a stored verdict (`verdict`: an alias of int_events_parsed) quarantined its
        line as timestamp_out_of_range while the line is now within the valid dates: now has
        caught up with a line stamped too far ahead, and a full refresh would judge it
        otherwise. -#}
    ({{ verdict }}.quarantine_reason = 'timestamp_out_of_range'
    and not {{ outside_valid_dates(verdict ~ '.event_ts') }})
{%- endmacro %}


{% macro verdicts_due_again(relation) %}
    {#- Whether int_events_parsed (`relation`) holds a verdict due again (verdict_due_again),
        which the run then judges again; never in a full build, which judges every line now. -#}
    {%- if not execute or not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ relation ~ " as verdicts where "
        ~ verdict_due_again('verdicts')).columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}


{% macro drop_verdicts_judged_again(relation) %}
    {#- Post-hook of int_events_parsed: a verdict due again gives way to the verdict this run
        (or a run killed before this hook, on Spark) gave the same line since. Asked first
        (a scan of the reason): the delete's self-join would otherwise cost every run. -#}
    {%- if not is_incremental() or not verdicts_due_again(relation) -%}{{ return('') }}{%- endif -%}
    {%- set judged_again -%}
        {{ verdict_due_again('stored') }}
        and exists (
            select 1
            from {{ relation }} as later
            where
                later.source_file = stored.source_file
                and later.line_number = stored.line_number
                and later.ingested_at > stored.ingested_at
        )
    {%- endset -%}
    {{ delete_rows(relation, judged_again) }}
{% endmacro %}
