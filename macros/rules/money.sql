{% macro to_usd(amount, usd_per_unit) -%}
    cast(cast({{ amount }} as decimal(18, 4)) * {{ usd_per_unit }} as decimal(38, 10))
{%- endmacro %}


{% macro round_to_cents(amount) -%}
    cast(round({{ amount }}, 2) as decimal(18, 2))
{%- endmacro %}
