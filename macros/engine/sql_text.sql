{% macro sql_quote(text) -%}
    {#- dbt's own escaping: a quote doubled on DuckDB, backslashed on Spark (where two quotes
        in a row end one literal and start another) -#}
    '{{ dbt.escape_single_quotes(text | string) }}'
{%- endmacro %}


{% macro sql_strings(values) -%}
    {%- for value in values -%}
        {{ sql_quote(value) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro csv_fields(line) -%}
    {%- set pieces -%}
        regexp_extract_all(',' || {{ line }}, ',("(?:[^"]|"")*"|[^,]*)', 1)
    {%- endset -%}
    {%- set unquoted -%}
        case
            when length(piece) >= 2 and piece like '"%"'
                then replace(substr(piece, 2, length(piece) - 2), '""', '"')
            else piece
        end
    {%- endset -%}
    {{ list_transform(pieces, 'piece', unquoted) }}
{%- endmacro %}
