{% macro days_from_to(first_day, last_day) -%}
    {{- adapter.dispatch('days_from_to', 'lakehouse')(first_day, last_day) -}}
{%- endmacro %}

{% macro duckdb__days_from_to(first_day, last_day) -%}
    cast(unnest(generate_series({{ first_day }}, {{ last_day }}, interval 1 day)) as date)
{%- endmacro %}

{% macro spark__days_from_to(first_day, last_day) -%}
    explode(sequence({{ first_day }}, {{ last_day }}, interval 1 day))
{%- endmacro %}


{% macro raise_error(message) -%}
    {{- adapter.dispatch('raise_error', 'lakehouse')(message) -}}
{%- endmacro %}

{% macro duckdb__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}


{% macro integers_from_to(first, last) -%}
    {{- adapter.dispatch('integers_from_to', 'lakehouse')(first, last) -}}
{%- endmacro %}

{% macro duckdb__integers_from_to(first, last) -%}
    cast(unnest(generate_series({{ first }}, {{ last }})) as integer)
{%- endmacro %}

{% macro spark__integers_from_to(first, last) -%}
    explode(sequence(cast({{ first }} as int), cast({{ last }} as int)))
{%- endmacro %}


{% macro weeks_between(first_monday, monday) -%}
    {{- adapter.dispatch('weeks_between', 'lakehouse')(first_monday, monday) -}}
{%- endmacro %}

{% macro duckdb__weeks_between(first_monday, monday) -%}
    cast(({{ monday }} - {{ first_monday }}) // 7 as integer)
{%- endmacro %}

{% macro spark__weeks_between(first_monday, monday) -%}
    cast(datediff({{ monday }}, {{ first_monday }}) div 7 as integer)
{%- endmacro %}


{% macro hours_between(earlier, later) -%}
    {{- adapter.dispatch('hours_between', 'lakehouse')(earlier, later) -}}
{%- endmacro %}

{% macro duckdb__hours_between(earlier, later) -%}
    date_diff('hour', {{ earlier }}, {{ later }})
{%- endmacro %}

{% macro spark__hours_between(earlier, later) -%}
    timestampdiff(
        hour, date_trunc('hour', {{ earlier }}), date_trunc('hour', {{ later }})
    )
{%- endmacro %}


{% macro before_any_instant() -%}
    cast('0001-01-01 00:00:00+00:00' as {{ instant_type() }})
{%- endmacro %}


{% macro try_date(text) -%}
    {{- adapter.dispatch('try_date', 'lakehouse')(text) -}}
{%- endmacro %}

{% macro duckdb__try_date(text) -%}
    try_cast({{ text }} as date)
{%- endmacro %}

{% macro spark__try_date(text) -%}
    case
        when trim({{ text }}) rlike '^[0-9]+-[0-9]{1,2}-[0-9]{1,2}' then try_cast({{ text }} as date)
    end
{%- endmacro %}
