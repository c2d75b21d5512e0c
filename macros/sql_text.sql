{% macro sql_quote(text) -%}
    {#- A text as one SQL string literal, its quotes doubled: file names and directories reach
        SQL through here, so a quote in a path cannot break a statement. -#}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}


{% macro sql_strings(values) -%}
    {#- The values as a comma-separated list of SQL string literals. -#}
    {%- for value in values -%}
        {{ sql_quote(value) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro csv_fields(line) -%}
    {#- The fields of one CSV line (comma-separated, RFC 4180 quoting) as a list of text: a
        quoted field loses its quotes and its doubled quotes become one. Each field is matched
        after a comma, with one put before the line, so that an empty first field is one. -#}
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
