{% macro channel_alias_key(expression) -%}
    lower(regexp_replace(trim({{ expression }}), '\s+', ' ', 'g'))
{%- endmacro %}
