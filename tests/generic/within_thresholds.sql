{% test within_thresholds(model, column_name, warn_above=none, error_above=none) %}
{#- Data-quality gate on the latest row of a per-run model: one failing row when the value
    is above warn_above, two when it is above error_above. With warn_if '>=1' and
    error_if '>=2', one test warns or fails the build by the thresholds (none = no limit). -#}
    {{ config(warn_if='>=1', error_if='>=2') }}
    {#- thresholds arrive rendered from vars: a null var renders as the text 'None' -#}
    {%- set no_limit = [none, 'None', 'none', 'null', ''] -%}
    {%- set warn_limit = 'null' if warn_above in no_limit else warn_above -%}
    {%- set error_limit = 'null' if error_above in no_limit else error_above -%}
with

latest as (
    select {{ column_name }} as observed
    from {{ model }}
    qualify row_number() over (order by run_started_at desc) = 1
),

limits as (
    select 'warn' as level, {{ warn_limit }} as threshold
    union all
    select 'error' as level, {{ error_limit }} as threshold
    union all
    -- an error counts twice, so that it reaches error_if even without a warn threshold
    select 'error' as level, {{ error_limit }} as threshold
)

select
    limits.level,
    limits.threshold,
    latest.observed
from latest
cross join limits
where latest.observed > limits.threshold
{% endtest %}
