{% macro days_from_to(first_day, last_day) -%}
    {#- A set-returning expression for the select list: one row per day from first_day to
        last_day, both included, as DATE. -#}
    {{- adapter.dispatch('days_from_to', 'lakehouse')(first_day, last_day) -}}
{%- endmacro %}

{% macro duckdb__days_from_to(first_day, last_day) -%}
    cast(unnest(generate_series({{ first_day }}, {{ last_day }}, interval 1 day)) as date)
{%- endmacro %}

{% macro spark__days_from_to(first_day, last_day) -%}
    explode(sequence({{ first_day }}, {{ last_day }}, interval 1 day))
{%- endmacro %}


{% macro raise_error(message) -%}
    {#- An expression that fails the query with the message (a text expression) when it is
        evaluated: for checks that must stop a build, inside a `case`. -#}
    {{- adapter.dispatch('raise_error', 'lakehouse')(message) -}}
{%- endmacro %}

{% macro duckdb__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}


{% macro integers_from_to(first, last) -%}
    {#- A set-returning expression for the select list: one row per integer from first to last,
        both included, as INTEGER (a generator cannot be wrapped in a cast in Spark). -#}
    {{- adapter.dispatch('integers_from_to', 'lakehouse')(first, last) -}}
{%- endmacro %}

{% macro duckdb__integers_from_to(first, last) -%}
    cast(unnest(generate_series({{ first }}, {{ last }})) as integer)
{%- endmacro %}

{% macro spark__integers_from_to(first, last) -%}
    explode(sequence(cast({{ first }} as int), cast({{ last }} as int)))
{%- endmacro %}


{% macro weeks_between(first_monday, monday) -%}
    {#- Whole weeks from one week start (a Monday, DATE) to a later one, as an integer. -#}
    {{- adapter.dispatch('weeks_between', 'lakehouse')(first_monday, monday) -}}
{%- endmacro %}

{% macro duckdb__weeks_between(first_monday, monday) -%}
    {#- DATE - DATE is a number of days in DuckDB -#}
    cast(({{ monday }} - {{ first_monday }}) // 7 as integer)
{%- endmacro %}

{% macro spark__weeks_between(first_monday, monday) -%}
    {#- DATE - DATE is an interval in Spark: datediff counts the days -#}
    cast(datediff({{ monday }}, {{ first_monday }}) div 7 as integer)
{%- endmacro %}


{% macro hours_between(earlier, later) -%}
    {#- Whole hours from one instant to a later one (hour boundaries crossed, as DuckDB's
        date_diff counts them). -#}
    {{- adapter.dispatch('hours_between', 'lakehouse')(earlier, later) -}}
{%- endmacro %}

{% macro duckdb__hours_between(earlier, later) -%}
    date_diff('hour', {{ earlier }}, {{ later }})
{%- endmacro %}

{% macro spark__hours_between(earlier, later) -%}
    {#- timestampdiff counts whole hours elapsed: truncated to the hour first, the two count
        the same boundaries -#}
    timestampdiff(
        hour, date_trunc('hour', {{ earlier }}), date_trunc('hour', {{ later }})
    )
{%- endmacro %}


{% macro before_any_instant() -%}
    {#- An instant earlier than any the data holds: the watermark of a first run. -#}
    cast('0001-01-01 00:00:00+00:00' as {{ instant_type() }})
{%- endmacro %}


{% macro try_date(text) -%}
    {#- The date a text holds (year-month-day, with or without a time after it), or null. -#}
    {{- adapter.dispatch('try_date', 'lakehouse')(text) -}}
{%- endmacro %}

{% macro duckdb__try_date(text) -%}
    try_cast({{ text }} as date)
{%- endmacro %}

{% macro spark__try_date(text) -%}
    {#- Spark's cast also reads a year alone or a year and month as a date, DuckDB's does not -#}
    case
        when trim({{ text }}) rlike '^[0-9]+-[0-9]{1,2}-[0-9]{1,2}' then try_cast({{ text }} as date)
    end
{%- endmacro %}
