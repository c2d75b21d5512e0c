{% macro spark_full_refresh_only(relation) -%}
    {#- The spark target builds the event models whole, not yet batch by batch (README,
        "Spark target"): stop an incremental run there, saying what to run instead. -#}
    {{ exceptions.raise_compiler_error(
        "The spark target rebuilds the event models whole; it cannot yet add a batch to "
        ~ relation ~ ". Run `dbt build --target spark --full-refresh`.") }}
{%- endmacro %}


{% macro upsert_strategy() -%}
    {#- The incremental strategy of a model whose batches replace rows by key: MERGE on DuckDB.
        Spark's Parquet tables have no MERGE (it needs Delta, Iceberg or Hudi): there the table
        is overwritten whole, which a full build is (spark_full_refresh_only). -#}
    {{- adapter.dispatch('upsert_strategy', 'lakehouse')() -}}
{%- endmacro %}

{% macro duckdb__upsert_strategy() -%}
    merge
{%- endmacro %}

{% macro spark__upsert_strategy() -%}
    insert_overwrite
{%- endmacro %}
