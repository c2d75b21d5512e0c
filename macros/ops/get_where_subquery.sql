{% macro get_where_subquery(relation) -%}
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
