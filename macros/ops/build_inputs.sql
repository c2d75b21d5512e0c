{% macro recorded_build_inputs() %}
    {%- set empty -%}
        select
            null::varchar as code_fingerprint,
            null::varchar as source_name,
            null::varchar as files_fingerprint,
            null::boolean as due_again
        where false
    {%- endset -%}
    {%- if not execute -%}{{ return(empty) }}{%- endif -%}
    {%- set recorded = adapter.get_relation(
        database=target.database, schema='audit', identifier='build_inputs') -%}
    {%- if recorded is none -%}{{ return(empty) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(recorded) | map(attribute='name') | list -%}
    {%- if 'source_name' not in columns -%}{{ return(empty) }}{%- endif -%}
    {{ return('select code_fingerprint, source_name, files_fingerprint, source_name in ('
        ~ sources_due_again() ~ ') as due_again from ' ~ recorded ~ ' order by source_name') }}
{% endmacro %}


{% macro sources_due_again() %}
    {%- set verdicts = [
        ('app.events', 'int_events_parsed', 'timestamp_out_of_range', 'event_ts'),
        ('billing.subscriptions', 'int_subscriptions_judged', 'start_date_out_of_range', 'start_date'),
        ('marketing.spend', 'int_marketing_spend_judged', 'date_out_of_range', 'spend_date'),
    ] -%}
    {%- set checks = [] -%}
    {%- for source_name, model, reason, column in verdicts -%}
        {#- from the graph, not ref(): the caller is an inline query, whose refs dbt must see
            when it parses it -#}
        {%- set node = graph.nodes['model.lakehouse.' ~ model] -%}
        {%- set relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- do checks.append(
                "select '" ~ source_name ~ "' as source_name where exists (select 1 from "
                ~ relation ~ " as verdicts where verdicts.quarantine_reason = '" ~ reason
                ~ "' and not " ~ outside_valid_dates('verdicts.' ~ column) ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(checks | join(' union all ') if checks else 'select null::varchar where false') }}
{% endmacro %}


{% macro record_build_inputs(code_fingerprint, sources) %}
    {%- set record_sql -%}
        create schema if not exists audit;
        create or replace table audit.build_inputs (
            recorded_at timestamptz,
            code_fingerprint varchar,
            source_name varchar,
            files_fingerprint varchar
        );
        {% if sources -%}
            insert into audit.build_inputs values
            {%- for name, fingerprint in sources.items() %}
                (now(), '{{ code_fingerprint }}', '{{ name }}', '{{ fingerprint }}')
                {{- "," if not loop.last else ";" }}
            {%- endfor %}
        {%- endif %}
    {%- endset -%}
    {%- do run_query(record_sql) -%}
    {%- do adapter.commit() -%}
{% endmacro %}
