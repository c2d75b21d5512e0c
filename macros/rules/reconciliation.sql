{% macro file_ledger(unit, raw, judged, verdicts, counted=none, judged_counted=false, file_sources=[], checks=[], extra_columns=[], trailing_columns=[], joins=[]) %}
    {%- set columns = {} -%}
    {%- for verdict in verdicts -%}
        {%- do columns.update({verdict: 'duplicate_' ~ unit ~ '_dropped' if verdict == 'duplicate'
            else verdict ~ '_' ~ unit}) -%}
    {%- endfor -%}
    {%- set unjudged = [] -%}
    {%- for verdict in verdicts if verdict == 'header' -%}
        {%- do unjudged.append('coalesce(verdict_counts.' ~ columns[verdict] ~ ', 0)') -%}
    {%- endfor %}
raw_counts as (
    select
        source_file,
        count(*) as raw_{{ unit }}
    from {{ raw }}
    group by source_file
),

verdict_counts as (
    {%- if counted is not none %}
    select * from {{ counted }}
    {%- else %}
    select
        source_file,
        {%- for verdict in verdicts %}
        count(*) filter (where verdict = '{{ verdict }}') as {{ columns[verdict] }},
        {%- endfor %}
        count(*) filter (where verdict is null) as {{ unit }}_without_verdict
    from classified
    group by source_file
    {%- endif %}
),

judged_counts as (
    -- a verdict on no raw unit adds no row to the counts above: counted on its own
    {%- if judged_counted %}
    select
        source_file,
        judged_{{ unit }}
    from {{ judged }}
    {%- else %}
    select
        source_file,
        count(*) as judged_{{ unit }}
    from {{ judged }}
    group by source_file
    {%- endif %}
),

files as (
    select source_file from raw_counts
    union
    select source_file from judged_counts
    {%- for source in file_sources %}
    union
    select source_file from {{ source }}
    {%- endfor %}
),

final as (
    select
        files.source_file,
        coalesce(raw_counts.raw_{{ unit }}, 0) as raw_{{ unit }},
        {%- for verdict in verdicts %}
        coalesce(verdict_counts.{{ columns[verdict] }}, 0) as {{ columns[verdict] }},
        {%- endfor %}
        {%- if counted is none %}
        coalesce(verdict_counts.{{ unit }}_without_verdict, 0) as {{ unit }}_without_verdict,
        {%- endif %}
        {%- for column in extra_columns %}
        {{ column }},
        {%- endfor %}
        {%- if counted is none %}
        coalesce(verdict_counts.{{ unit }}_without_verdict, 0) = 0 and
        {%- endif %}
        coalesce(raw_counts.raw_{{ unit }}, 0) = 0
        {%- for verdict in verdicts %}
        + coalesce(verdict_counts.{{ columns[verdict] }}, 0)
        {%- endfor %}
        and coalesce(judged_counts.judged_{{ unit }}, 0)
        = coalesce(raw_counts.raw_{{ unit }}, 0){% for term in unjudged %} - {{ term }}{% endfor %}
        {%- for check in checks %}
        and {{ check }}
        {%- endfor %}
            as is_balanced
        {%- for column in trailing_columns %},
        {{ column }}
        {%- endfor %}
    from files
    left join raw_counts on files.source_file = raw_counts.source_file
    left join verdict_counts on files.source_file = verdict_counts.source_file
    left join judged_counts on files.source_file = judged_counts.source_file
    {%- for join in joins %}
    {{ join }}
    {%- endfor %}
)
{%- endmacro %}
