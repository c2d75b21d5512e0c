{#- Verdicts of lines judged again (a grown file's line read again; a line stamped too far
    ahead, once its time has come): the later verdict replaces the earlier one. -#}

{% macro drop_superseded_verdicts(relation, lines) %}
    {%- if not is_incremental() -%}{{ return('') }}{%- endif -%}
    {{ delete_rows(relation, lines_read_again(lines)) }}
{% endmacro %}


{% macro verdict_due_again(verdict) -%}
    ({{ verdict }}.quarantine_reason = 'timestamp_out_of_range'
    and not {{ outside_valid_dates(verdict ~ '.event_ts') }})
{%- endmacro %}


{% macro verdicts_due_again(relation) %}
    {%- if not execute or not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ relation ~ " as verdicts where "
        ~ verdict_due_again('verdicts')).columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}


{% macro drop_verdicts_judged_again(relation) %}
    {%- if not is_incremental() or not verdicts_due_again(relation) -%}{{ return('') }}{%- endif -%}
    {%- set judged_again -%}
        {{ verdict_due_again('stored') }}
        and exists (
            select 1
            from {{ relation }} as later
            where
                later.source_file = stored.source_file
                and later.line_number = stored.line_number
                and later.ingested_at > stored.ingested_at
        )
    {%- endset -%}
    {{ delete_rows(relation, judged_again) }}
{% endmacro %}
