{% macro content_hash(columns) -%}
    md5(concat_ws(
        chr(31)
        {%- for column in columns %},
        coalesce({{ column }}::varchar, chr(30))
        {%- endfor %}
    ))::uuid
{%- endmacro %}
