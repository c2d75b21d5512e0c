{% macro to_usd(amount, usd_per_unit) -%}
    {#- amounts are DECIMAL(18,4) and rates DECIMAL(18,8): their product, DECIMAL(37,12), is
        exact on both engines (Spark cuts the scale of a product wider than 38 digits), and
        is then rounded once, to 10 decimals -#}
    cast(cast({{ amount }} as decimal(18, 4)) * {{ usd_per_unit }} as decimal(38, 10))
{%- endmacro %}


{% macro round_to_cents(amount) -%}
    cast(round({{ amount }}, 2) as decimal(18, 2))
{%- endmacro %}
