{#- What a recompute_keys model recomputes: each macro here returns SQL selecting the keys
    (one column) of the rows to recompute, or none to recompute every row. Each refers to the
    models it reads whether or not it runs, so that dbt sees them as the model's parents. -#}

{% macro touched_days() %}
    {%- set touched, calendar = ref('int_events_touched'), ref('util_calendar_days') -%}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {%- set day = recompute_by() -%}
    {%- set days -%}
        {{ touched_since(touched, since, 'event_date') }}
        union
        select date_day from {{ calendar }}
        where date_day not in (select {{ day }} from {{ this }})
        union
        select {{ day }} from {{ this }}
        where {{ day }} not in (select date_day from {{ calendar }})
    {%- endset -%}
    {{ return(days) }}
{% endmacro %}


{% macro touched_users(as_of_column=none) %}
    {%- set touched, subscriptions = ref('int_events_touched'), ref('int_subscriptions_deduplicated') -%}
    {%- set bounds = ref('util_calendar_bounds') if as_of_column is not none else none -%}
    {%- set since = last_success_at() -%}
    {%- if since is none or rebuilt_since(subscriptions, 'deduplicated_at', since) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if as_of_column is not none -%}
        {%- set moved = run_query(
            "select count(*) from " ~ bounds ~ " as bounds where exists (select 1 from " ~ this
            ~ " as built where built." ~ as_of_column ~ " <> bounds.as_of_date)").columns[0].values()[0] -%}
        {%- if moved > 0 -%}{{ return(none) }}{%- endif -%}
    {%- endif -%}
    {{ return(touched_since(touched, since, 'user_id')) }}
{% endmacro %}


{% macro touched_events() %}
    {%- set touched = ref('int_events_touched') -%}
    {%- set since = last_success_at() -%}
    {{ return(none if since is none else touched_since(touched, since, 'event_id')) }}
{% endmacro %}


{% macro touched_weeks() %}
    {%- set touched, events = ref('int_events_touched'), ref('int_events_deduplicated') -%}
    {%- set bounds = ref('util_calendar_bounds') -%}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {%- set latest_week = run_query(
        "select cast(max(activity_week) as string) from " ~ this).columns[0].values()[0] -%}
    {%- set built_week = 'cast(' ~ sql_quote(latest_week) ~ ' as date)' if latest_week else 'bounds.as_of_week' -%}
    {%- set weeks -%}
        select cast(date_trunc('week', event_date) as date)
        from ({{ touched_since(touched, since, 'event_date') }}) as touched_days
        union
        select cast(date_trunc('week', signups.event_date) as date)
        from {{ events }} as signups
        where signups.event_type = 'signup' and signups.user_id in (
            select user_id from {{ touched }}
            where recorded_at > {{ since }} and coalesce(event_type, 'signup') = 'signup'
        )
        union
        select cast(date_trunc('week', between_weeks.week_day) as date)
        from (
            select {{ days_from_to(
                'least(' ~ built_week ~ ', bounds.as_of_week)',
                'greatest(' ~ built_week ~ ', bounds.as_of_week)') }} as week_day
            from {{ bounds }} as bounds
        ) as between_weeks
    {%- endset -%}
    {{ return(weeks) }}
{% endmacro %}


{% macro changed_months(close_date_column) %}
    {%- set calendar, subscriptions = ref('util_calendar_days'), ref('int_subscriptions_deduplicated') -%}
    {%- set since = last_success_at() -%}
    {%- if since is none or rebuilt_since(subscriptions, 'deduplicated_at', since) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set month = recompute_by() -%}
    {%- set months -%}
        with
        closes as (
            select month_start, date_day as close_date from {{ calendar }} where is_month_close
        ),
        built as (
            select distinct {{ month }} as month_start, {{ close_date_column }} as close_date from {{ this }}
        ),
        first_changed as (
            select min(coalesce(closes.month_start, built.month_start)) as month_start
            from closes
            full outer join built on closes.month_start = built.month_start
            where closes.close_date is distinct from built.close_date
        )
        select closes.month_start from closes inner join first_changed on closes.month_start >= first_changed.month_start
        union
        select built.month_start from built inner join first_changed on built.month_start >= first_changed.month_start
    {%- endset -%}
    {{ return(months) }}
{% endmacro %}


{% macro recomputed_upstream(upstream) %}
    {%- set since = last_success_at() -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {%- set key = recompute_by() -%}
    {%- set keys -%}
        select {{ key }} from {{ upstream }} where computed_at > {{ since }}
        union
        select {{ key }} from {{ this }}
        where {{ key }} not in (select {{ key }} from {{ upstream }})
    {%- endset -%}
    {{ return(keys) }}
{% endmacro %}


{% macro replaced_events() %}
    {%- set parsed = ref('int_events_parsed') -%}
    {%- if not execute or not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set events -%}
        select parsed.replaced_event_id
        from {{ parsed }} as parsed
        where
            parsed.replaced_event_id is not null
            and {{ ingested_since_last_run('parsed.ingested_at') }}
    {%- endset -%}
    {{ return(events) }}
{% endmacro %}


{% macro recompute_columns() -%}
    {%- set by = (config.get('meta') or {}).get('recompute_by') or config.get('unique_key') -%}
    {%- if not by -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": a recompute_keys model needs a unique_key "
            ~ "(or meta.recompute_by): the column its rows are recomputed by") }}
    {%- endif -%}
    {{- return([by] if by is string else by) -}}
{%- endmacro %}


{% macro recompute_by() -%}
    {{- return(recompute_columns()[0]) -}}
{%- endmacro %}
