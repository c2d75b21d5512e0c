{% macro known_event_fields() %}
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
    {{ return(fields | selectattr('type', 'in', ['id', 'money']) | list) }}
{% endmacro %}


{% macro known_event_keys(fields) %}
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
    ({{ expression }} < cast('{{ var("min_valid_event_ts") }}' as {{ instant_type() }})
    or {{ expression }} > {{ validation_instant() }} + interval {{ var("max_future_days") }} day)
{%- endmacro %}


{% macro validation_instant() -%}
    {%- set clock = var('validation_clock', none) -%}
    {%- if clock is none or clock in ['', 'None', 'none', 'null'] -%}
        {{ run_started_instant() }}
    {%- else -%}
        cast('{{ clock }}' as {{ instant_type() }})
    {%- endif -%}
{%- endmacro %}
