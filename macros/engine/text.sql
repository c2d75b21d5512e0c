{% macro matches_whole(text, pattern) -%}
    {{- adapter.dispatch('matches_whole', 'lakehouse')(text, pattern) -}}
{%- endmacro %}

{% macro duckdb__matches_whole(text, pattern) -%}
    regexp_full_match({{ text }}, {{ sql_quote(pattern) }})
{%- endmacro %}

{% macro spark__matches_whole(text, pattern) -%}
    {{ text }} rlike {{ sql_quote('^(?:' ~ pattern ~ ')$') }}
{%- endmacro %}


{% macro content_hash(columns) -%}
    {{- adapter.dispatch('content_hash', 'lakehouse')(columns) -}}
{%- endmacro %}

{% macro duckdb__content_hash(columns) -%}
    md5(concat_ws(
        chr(31)
        {%- for column in columns %},
        coalesce({{ column }}::varchar, chr(30))
        {%- endfor %}
    ))::uuid
{%- endmacro %}

{% macro spark__content_hash(columns) -%}
    md5(concat_ws(
        chr(31)
        {%- for column in columns %},
        coalesce(cast({{ column }} as string), chr(30))
        {%- endfor %}
    ))
{%- endmacro %}


{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{- adapter.dispatch('regexp_replace_all', 'lakehouse')(text, pattern, replacement) -}}
{%- endmacro %}

{% macro duckdb__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ sql_quote(pattern) }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ sql_quote(pattern | replace('\\', '\\\\')) }}, {{ replacement }})
{%- endmacro %}
