{% macro instant_type() -%}
    {{- adapter.dispatch('instant_type', 'lakehouse')() -}}
{%- endmacro %}

{% macro default__instant_type() -%}
    timestamptz
{%- endmacro %}

{% macro spark__instant_type() -%}
    timestamp
{%- endmacro %}


{% macro run_started_instant() -%}
    cast('{{ run_started_at }}' as {{ instant_type() }})
{%- endmacro %}
