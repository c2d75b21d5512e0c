{% macro ingested_since_last_run(column='ingested_at') -%}
    {#- `column` may be qualified (new_versions.ingested_at); the model's own is ingested_at -#}
    {%- if is_incremental() -%}
        {{ column }} > (
            select coalesce(max(existing.ingested_at), '-infinity'::timestamptz)
            from {{ this }} as existing
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro number_rows_per_file(relation, first_number=1) %}
    {#- `with ordinality` numbers the rows of a multi-file scan across all its files, in file
        then row order: a row's position in its file is its ordinal minus the file's first. -#}
    select
        * exclude (ordinality),
        ordinality - min(ordinality) over (partition by filename)
        + {{ first_number }} as position_in_file
    from {{ relation }} with ordinality
{% endmacro %}
