{% macro to_usd(amount, usd_per_unit) -%}
    cast(cast({{ amount }} as decimal(38, 10)) * {{ usd_per_unit }} as decimal(38, 10))
{%- endmacro %}
