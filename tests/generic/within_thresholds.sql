{% test within_thresholds(model, column_name, warn_above=none, error_above=none) %}
{#- Data-quality gate on the latest row of a per-run model. The test's one number (its
    fail_calc) is how far the latest value breaches: 0 within the thresholds, 1 above
    warn_above, 2 above error_above (none = no limit); warn_if '>=1' and error_if '>=2' make
    that a warning or an error. -#}
    {{ config(fail_calc='coalesce(max(breach_level), 0)', warn_if='>=1', error_if='>=2') }}
    {#- thresholds arrive rendered from vars: a null var renders as the text 'None' -#}
    {%- set no_limit = [none, 'None', 'none', 'null', ''] -%}
    {%- set warn_limit = 'null' if warn_above in no_limit else warn_above -%}
    {%- set error_limit = 'null' if error_above in no_limit else error_above -%}
with

latest as (
    select {{ column_name }} as observed
    from {{ model }}
    qualify row_number() over (order by run_started_at desc) = 1
)

select
    observed,
    {{ warn_limit }} as warn_above,
    {{ error_limit }} as error_above,
    case
        when observed > {{ error_limit }} then 2
        when observed > {{ warn_limit }} then 1
        else 0
    end as breach_level
from latest
{% endtest %}
