{% macro instant_type() -%}
    {#- The type of an instant: a timestamp that means one point in time whatever the zone it
        was written in, shown in the session's zone (UTC, profiles.yml). -#}
    {{- adapter.dispatch('instant_type', 'lakehouse')() -}}
{%- endmacro %}

{% macro duckdb__instant_type() -%}
    timestamptz
{%- endmacro %}

{% macro spark__instant_type() -%}
    {#- Spark's TIMESTAMP is TIMESTAMP_LTZ: an instant, shown in spark.sql.session.timeZone -#}
    timestamp
{%- endmacro %}


{% macro run_started_instant() -%}
    {#- The instant this dbt invocation started, as a SQL value (rows a run writes carry it). -#}
    cast('{{ run_started_at }}' as {{ instant_type() }})
{%- endmacro %}
