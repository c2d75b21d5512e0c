{% macro per_paid_conversion(amount, paid_conversions) -%}
    ({{ amount }}) / nullif({{ paid_conversions }}, 0)
{%- endmacro %}


{% macro refund_flags() %}
    {#- The refund exceptions int_revenue_transactions_recognized flags (is_<flag>) and
        metric_exceptions counts, in one list. -#}
    {{ return(['refund_before_purchase', 'orphan_refund', 'refund_above_purchase']) }}
{% endmacro %}


{% macro mrr_movements() %}
    {#- The MRR movements between two month closes, with the sign each adds to the MRR change:
        contraction and churned are published as positive amounts that reduce MRR. -#}
    {{ return([
        {'name': 'new', 'sign': 1},
        {'name': 'expansion', 'sign': 1},
        {'name': 'contraction', 'sign': -1},
        {'name': 'churned', 'sign': -1},
        {'name': 'reactivation', 'sign': 1},
    ]) }}
{% endmacro %}
