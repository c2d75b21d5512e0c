{% macro get_where_subquery(relation) -%}
    {#-
        dbt's own macro (the `where` config of a test), plus two placeholders for the tests of
        the incremental event models, whose tables grow with history while a run only adds a
        batch (DESIGN.md, "Tests that scale with the batch"):
          __latest_run__           rows the latest run wrote (its ingested_at)
          __files_of_latest_run__  rows of the files the latest run read from
        A full refresh writes every row in one run, so there the test sees the whole table.
    -#}
    {%- set where = config.get('where', '') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set latest_ingested_at -%}
        (select max(newest.ingested_at) from {{ relation }} as newest)
    {%- endset -%}
    {%- set latest_run = 'ingested_at = ' ~ latest_ingested_at -%}
    {%- set files_of_latest_run -%}
        source_file in (
            select latest.source_file from {{ relation }} as latest
            where latest.ingested_at = {{ latest_ingested_at }}
        )
    {%- endset -%}
    {%- set where = where
        | replace('__latest_run__', latest_run)
        | replace('__files_of_latest_run__', files_of_latest_run) -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') }}
{%- endmacro %}
