{% macro channel_alias_key(expression) -%}
    lower({{ regexp_replace_all('trim(' ~ expression ~ ')', '\\s+', "' '") }})
{%- endmacro %}
