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


{% macro event_lines_reread(lines) %}
    {#- Whether the batch an incremental model reads from bronze (`lines`, rows ingested after
        the model's latest) holds lines bronze read again from a grown file. -#}
    {%- if not execute or not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ lines ~ " where reread_from_line is not null and "
        ~ ingested_since_last_run()).columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}


{% macro drop_superseded_verdicts(relation, lines) %}
    {#- Post-hook of int_events_parsed: the verdicts of lines that bronze has since read again
        (a grown file's last line) give way to the new reading's. Bronze marks a line read
        again with the line its re-read started from; nothing to do when no line was. -#}
    delete from {{ relation }} as stored
    using (
        -- each re-read: the file, the line it started from, and when
        select distinct
            source_file,
            reread_from_line as from_line,
            ingested_at as read_at
        from {{ lines }}
        where reread_from_line is not null
    ) as reread
    where
        stored.source_file = reread.source_file
        and stored.line_number >= reread.from_line
        and stored.ingested_at < reread.read_at
{% endmacro %}


{% macro forget_replaced_events(relation, parsed) %}
    {#- Pre-hook of the models keyed on event_id: forget the events whose line bronze read
        again in this batch (a grown file's last line, stored while its producer was still
        writing it), so that the model decides them again from all their current versions. -#}
    {%- if is_incremental() -%}
        delete from {{ relation }}
        where event_id in (
            select parsed.replaced_event_id
            from {{ parsed }} as parsed
            where
                parsed.replaced_event_id is not null
                and {{ ingested_since_last_run('parsed.ingested_at') }}
        )
    {%- endif -%}
{% endmacro %}
