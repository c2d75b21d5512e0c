{#- dbt-spark's incremental materialization knows its own strategies only: it validates the
    name against a fixed list and builds the SQL itself, instead of asking dbt for
    get_incremental_<name>_sql as dbt-duckdb does. These two overrides (the root project's
    macro of the same name wins) let it run the project's strategies, and leave every other
    strategy to dbt-spark. -#}

{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy in project_incremental_strategies() -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {{ return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy in project_incremental_strategies() -%}
        {%- set strategy_sql = context['get_incremental_' ~ strategy ~ '_sql'] -%}
        {{ return(strategy_sql({
            'target_relation': target, 'temp_relation': source, 'unique_key': unique_key,
            'dest_columns': adapter.get_columns_in_relation(target),
            'incremental_predicates': incremental_predicates})) }}
    {%- endif -%}
    {{ return(dbt.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key,
        incremental_predicates)) }}
{% endmacro %}

{% macro project_incremental_strategies() %}
    {{ return(['recompute_keys', 'upsert_latest']) }}
{% endmacro %}
