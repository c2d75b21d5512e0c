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


{% macro forget_replaced_events(relation, parsed) %}
    {#- Pre-hook of the models keyed on event_id: forget the events whose line bronze read
        again in this batch (a grown file's last line, stored while its producer was still
        writing it), so that the model decides them again from all their current versions. -#}
    {%- if is_incremental() -%}
        {%- set replaced -%}
            event_id in (
                select parsed.replaced_event_id
                from {{ parsed }} as parsed
                where
                    parsed.replaced_event_id is not null
                    and {{ ingested_since_last_run('parsed.ingested_at') }}
            )
        {%- endset -%}
        {{ delete_rows(relation, replaced) }}
    {%- endif -%}
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


{% macro touched_since(since, column) -%}
    {#- SQL selecting the distinct values of `column` (event_id, user_id or event_date) that the
        runs recorded in int_events_touched after `since` touched. -#}
    select distinct {{ column }}
    from {{ ref('int_events_touched') }}
    where recorded_at > {{ since }} and {{ column }} is not null
{%- endmacro %}


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


{% macro forget_rows(predicate) %}
    {#- Pre-hook of an incremental gold model: deletes the rows it is about to recompute, those
        the predicate selects (built with `among`, which selects every row when the model is
        rebuilt whole). -#}
    {%- if not is_incremental() -%}{{ return('') }}{%- endif -%}
    {{ delete_rows(this, predicate) }}
{% endmacro %}


{% macro touched_days(date_column='date') %}
    {#- For an incremental table with one row per calendar day: SQL selecting the days to
        recompute (the days of every version of the events touched since the model last built;
        days the calendar gained; days it lost, to delete), or none to rebuild it whole. -#}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {%- set days -%}
        {{ touched_since(since, 'event_date') }}
        union
        select date_day from {{ ref('util_calendar_days') }}
        where date_day not in (select {{ date_column }} from {{ this }})
        union
        select {{ date_column }} from {{ this }}
        where {{ date_column }} not in (select date_day from {{ ref('util_calendar_days') }})
    {%- endset -%}
    {{ return(days) }}
{% endmacro %}


{% macro touched_users(as_of_column=none) %}
    {#- For an incremental table with one row per user: SQL selecting the users to recompute
        (every user a version of a touched event had), or none to rebuild it whole: no build
        to start from, or a subscriptions snapshot rebuilt since (subscriptions make users and
        conversions); with `as_of_column`, also an as-of day that moved (what each user counts
        "by the as-of day" then changes for anyone whose dates lie between the two days, and
        every row's as-of column changes): the first run of each new day pays for it. -#}
    {%- set since = last_success_at() -%}
    {%- if since is none
        or rebuilt_since(ref('int_subscriptions_deduplicated'), 'deduplicated_at', since) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if as_of_column is not none -%}
        {%- set moved = run_query(
            "select count(*) from " ~ ref('util_calendar_bounds') ~ " as bounds where exists"
            ~ " (select 1 from " ~ this ~ " as built where built." ~ as_of_column
            ~ " <> bounds.as_of_date)").columns[0].values()[0] -%}
        {%- if moved > 0 -%}{{ return(none) }}{%- endif -%}
    {%- endif -%}
    {{ return(touched_since(since, 'user_id')) }}
{% endmacro %}


{% macro recomputed_since(upstream, key_column) %}
    {#- For an incremental table that follows an upstream one row for row: SQL selecting the
        keys to recompute (the upstream rows recomputed since this model last built, by their
        `computed_at` stamp, and the keys gone from upstream, to delete), or none to rebuild
        it whole. -#}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {%- set keys -%}
        select {{ key_column }} from {{ upstream }} where computed_at > {{ since }}
        union
        select {{ key_column }} from {{ this }}
        where {{ key_column }} not in (select {{ key_column }} from {{ upstream }})
    {%- endset -%}
    {{ return(keys) }}
{% endmacro %}


{% macro touched_event_ids() %}
    {#- For an incremental table with one row per event: SQL selecting the events to recompute
        (every event touched since the model last built), or none to rebuild it whole. -#}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {{ return(touched_since(since, 'event_id')) }}
{% endmacro %}


{% macro among(column, keys_sql) -%}
    {#- A filter keeping the rows whose `column` is among the keys to recompute (`keys_sql`),
        or every row when the model is rebuilt whole (none). -#}
    {%- if keys_sql is none -%}
        true
    {%- else -%}
        {{ column }} in ({{ keys_sql }})
    {%- endif -%}
{%- endmacro %}


{% macro touched_weeks() %}
    {#- For the cohort table: SQL selecting the ISO weeks (Mondays) to recompute, or none to
        rebuild it whole: the weeks of every version of the events touched since it last
        built; the weeks of every signup of a user with a touched signup (their cohort may have
        moved away from one of them); and the weeks between its latest one and the as-of
        week, either way (the as-of day moved on, or back: the as-of week then loses the
        signups and activity after the new as-of day; the weeks after it are forgotten by the
        pre-hook). A touched week is recomputed for every cohort, and as a cohort, whole
        (its members may have changed). -#}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {#- read now, before the pre-hook forgets rows: the model and its pre-hook agree on it -#}
    {%- set latest_week = run_query(
        "select cast(max(activity_week) as string) from " ~ this).columns[0].values()[0] -%}
    {%- set built_week = 'cast(' ~ sql_quote(latest_week) ~ ' as date)' if latest_week else 'bounds.as_of_week' -%}
    {%- set weeks -%}
        select cast(date_trunc('week', event_date) as date)
        from ({{ touched_since(since, 'event_date') }})
        union
        select cast(date_trunc('week', signups.event_date) as date)
        from {{ ref('int_events_deduplicated') }} as signups
        where signups.event_type = 'signup' and signups.user_id in (
            select user_id from {{ ref('int_events_touched') }}
            where recorded_at > {{ since }} and coalesce(event_type, 'signup') = 'signup'
        )
        union
        select cast(date_trunc('week', between_weeks.week_day) as date)
        from (
            select {{ days_from_to(
                'least(' ~ built_week ~ ', bounds.as_of_week)',
                'greatest(' ~ built_week ~ ', bounds.as_of_week)') }} as week_day
            from {{ ref('util_calendar_bounds') }} as bounds
        ) as between_weeks
    {%- endset -%}
    {{ return(weeks) }}
{% endmacro %}


{% macro months_from(close_date_column, month_column='month_start') %}
    {#- For an incremental table with rows per month close: the first month to recompute, as an
        SQL date literal (that month and every later one are recomputed): the first month whose
        close moved (the as-of day moved in the running month, or a month closed and another
        began), appeared or went; 0001-01-01 to rebuild it whole (no build to start from, or a
        subscriptions snapshot rebuilt since). Read before the pre-hook forgets rows, so the
        model and its pre-hook agree. -#}
    {%- set since = last_success_at() -%}
    {%- if since is none
        or rebuilt_since(ref('int_subscriptions_deduplicated'), 'deduplicated_at', since) -%}
        {#- not '-infinity', which is DuckDB's alone -#}
        {{ return("cast('0001-01-01' as date)") }}
    {%- endif -%}
    {%- set first_changed = run_query(
        "select cast(coalesce(min(coalesce(closes.month_start, built.month_start)), '9999-12-31') as string)"
        ~ " from (select month_start, date_day as close_date from " ~ ref('util_calendar_days')
        ~ " where is_month_close) as closes"
        ~ " full outer join (select distinct " ~ month_column ~ " as month_start, "
        ~ close_date_column ~ " as close_date from " ~ this ~ ") as built"
        ~ " on closes.month_start = built.month_start"
        ~ " where closes.close_date is distinct from built.close_date"
    ).columns[0].values()[0] -%}
    {{ return("cast('" ~ first_changed ~ "' as date)") }}
{% endmacro %}
