{% macro channel_alias_key(expression) -%}
    {#- trimmed, lowercased, each run of white space as one space -#}
    lower({{ regexp_replace_all('trim(' ~ expression ~ ')', '\\s+', "' '") }})
{%- endmacro %}
