{% macro matches_whole(text, pattern) -%}
    {#- Whether the whole text matches a regular expression (RE2 in DuckDB, Java in Spark:
        write patterns in their common part, without backslashes, which Spark's string
        literals would unescape: [0-9] for \d, [.] for \.). -#}
    {{- adapter.dispatch('matches_whole', 'lakehouse')(text, pattern) -}}
{%- endmacro %}

{% macro duckdb__matches_whole(text, pattern) -%}
    regexp_full_match({{ text }}, {{ sql_quote(pattern) }})
{%- endmacro %}

{% macro spark__matches_whole(text, pattern) -%}
    {{ text }} rlike {{ sql_quote('^(?:' ~ pattern ~ ')$') }}
{%- endmacro %}


{% macro content_hash(columns) -%}
    {#- A hash of the columns' values as text (null written as chr(30)), equal for equal values
        within an engine: DuckDB's UUID of the md5, Spark's md5 in hex. -#}
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
    {#- Every match of a regular expression replaced (the replacement a SQL expression). The
        pattern is written once, as RE2 and Java read it (\s: white space, a vertical tab
        too in Java); each engine gets it as its string literal must spell it. -#}
    {{- adapter.dispatch('regexp_replace_all', 'lakehouse')(text, pattern, replacement) -}}
{%- endmacro %}

{% macro duckdb__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ sql_quote(pattern) }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    {#- Spark unescapes backslashes in string literals: each is doubled -#}
    regexp_replace({{ text }}, {{ sql_quote(pattern | replace('\\', '\\\\')) }}, {{ replacement }})
{%- endmacro %}
