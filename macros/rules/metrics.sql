{% macro per_paid_conversion(amount, paid_conversions) -%}
    ({{ amount }}) / nullif({{ paid_conversions }}, 0)
{%- endmacro %}


{% macro refund_flags() %}
    {{ return(['refund_before_purchase', 'orphan_refund', 'refund_above_purchase']) }}
{% endmacro %}


{% macro mrr_movements() %}
    {{ return([
        {'name': 'new', 'sign': 1},
        {'name': 'expansion', 'sign': 1},
        {'name': 'contraction', 'sign': -1},
        {'name': 'churned', 'sign': -1},
        {'name': 'reactivation', 'sign': 1},
    ]) }}
{% endmacro %}
