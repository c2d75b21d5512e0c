{% macro known_event_fields() %}
    {#- The event fields the contract knows, in one list: the parse reads each path once, types
        it by its `type` (typed_event_field), leaves its key out of extra_fields, and hashes
        every typed column but event_id into content_hash, in this order. Adding a field is one
        line here, then `dbt build --full-refresh --select int_events_parsed+` so that the
        lines parsed before get it too. -#}
    {{ return([
        {'name': 'event_id', 'path': '$.event_id', 'type': 'id'},
        {'name': 'user_id', 'path': '$.user_id', 'type': 'id'},
        {'name': 'event_type', 'path': '$.event_type', 'type': 'code'},
        {'name': 'event_ts', 'path': '$.timestamp', 'type': 'timestamp'},
        {'name': 'amount', 'path': '$.amount', 'type': 'money'},
        {'name': 'currency', 'path': '$.currency', 'type': 'currency'},
        {'name': 'tax', 'path': '$.tax', 'type': 'money'},
        {'name': 'refers_to_event_id', 'path': '$.refers_to_event_id', 'type': 'reference'},
        {'name': 'acquisition_channel', 'path': '$.acquisition_channel', 'type': 'text'},
        {'name': 'page', 'path': '$.page', 'type': 'text'},
        {'name': 'schema_version', 'path': '$.schema_version', 'type': 'integer'},
    ]) }}
{% endmacro %}


{% macro event_fields_with_json_type(fields) %}
    {#- Those of the given known fields whose JSON type is part of the rule: an id must be a
        string or an integer, an amount or a tax a number. -#}
    {{ return(fields | selectattr('type', 'in', ['id', 'money']) | list) }}
{% endmacro %}


{% macro known_event_keys(fields) %}
    {#- The top-level JSON keys of the given known fields (their paths without '$.'): the keys
        that stay out of extra_fields. -#}
    {%- set keys = [] -%}
    {%- for field in fields -%}
        {%- set key = field.path[2:] -%}
        {%- if not field.path.startswith('$.') or '.' in key or '[' in key or key == '' -%}
            {{ exceptions.raise_compiler_error(
                "known_event_fields: the path '" ~ field.path ~ "' of " ~ field.name
                ~ " is not a top-level key ('$.<key>')") }}
        {%- endif -%}
        {%- do keys.append(key) -%}
    {%- endfor -%}
    {{ return(keys) }}
{% endmacro %}


{% macro typed_event_field(field) -%}
    {#- SQL typing one known field from its extracted text (`<name>_text`) and, for ids and
        money, its JSON type (`<name>_json_type`). -#}
    {%- set text = field.name ~ '_text' -%}
    {%- set json_type = field.name ~ '_json_type' -%}
    {%- if field.type == 'id' -%}
        {#- an object, array or boolean is no id -#}
        case when {{ json_type }} in ('VARCHAR', 'BIGINT', 'UBIGINT') then nullif(trim({{ text }}), '') end
    {%- elif field.type == 'money' -%}
        {#- only a JSON number is an amount: "ten" or "12.50" is not -#}
        case when {{ json_type }} in ('BIGINT', 'UBIGINT', 'DOUBLE') then try_cast({{ text }} as decimal(18, 4)) end
    {%- elif field.type == 'timestamp' -%}
        {{ parse_event_timestamp(text) }}
    {%- elif field.type == 'code' -%}
        lower(trim({{ text }}))
    {%- elif field.type == 'currency' -%}
        upper(trim({{ text }}))
    {%- elif field.type == 'reference' -%}
        nullif(trim({{ text }}), '')
    {%- elif field.type == 'integer' -%}
        try_cast({{ text }} as integer)
    {%- elif field.type == 'text' -%}
        {{ text }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "known_event_fields: " ~ field.name ~ " has type '" ~ field.type ~ "'; the types are"
            ~ " id, money, timestamp, code, currency, reference, integer and text") }}
    {%- endif -%}
{%- endmacro %}


{% macro parse_event_timestamp(text) -%}
    {#- Accepted formats only (DESIGN.md, "Timestamps"): ISO-8601 with Z or an offset (+HH:MM
        or +HHMM, up to 14:59 like real zones), or naive 'YYYY-MM-DD HH:MM:SS' read as UTC; the
        cast rejects impossible dates. Anything else is null. -#}
    case
        when {{ matches_whole(
                text,
                '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?'
                ~ '(Z|[+-](0[0-9]|1[0-4]):?[0-5][0-9])'
            ) }} then try_cast({{ text }} as {{ instant_type() }})
        when {{ matches_whole(
                text, '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?'
            ) }} then try_cast({{ text }} || '+00:00' as {{ instant_type() }})
    end
{%- endmacro %}


{% macro outside_valid_dates(expression) -%}
    {#- Whether a timestamp or date lies outside what the data can hold: before
        var('min_valid_event_ts'), or more than var('max_future_days') after now (nothing can
        be recorded before it happens; now is validation_instant()). Events, subscription
        starts and spend days share the bounds. -#}
    ({{ expression }} < cast('{{ var("min_valid_event_ts") }}' as {{ instant_type() }})
    or {{ expression }} > {{ validation_instant() }} + interval {{ var("max_future_days") }} day)
{%- endmacro %}


{% macro validation_instant() -%}
    {#- "Now" for the future bound of outside_valid_dates: the run's start, or
        var('validation_clock') when set (tests move the clock with it). -#}
    {%- set clock = var('validation_clock', none) -%}
    {%- if clock is none or clock in ['', 'None', 'none', 'null'] -%}
        {{ run_started_instant() }}
    {%- else -%}
        cast('{{ clock }}' as {{ instant_type() }})
    {%- endif -%}
{%- endmacro %}
