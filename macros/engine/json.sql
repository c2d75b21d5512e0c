{#- Reading a JSON document, per engine (DESIGN.md, "Spark"). A document is DuckDB's JSON
    value or Spark's VARIANT; JSON types are named as DuckDB names them (VARCHAR, BIGINT,
    UBIGINT, DOUBLE, BOOLEAN, NULL, OBJECT, ARRAY), which the rules compare against. -#}

{% macro json_document(text) -%}
    {{- adapter.dispatch('json_document', 'lakehouse')(text) -}}
{%- endmacro %}

{% macro duckdb__json_document(text) -%}
    try_cast({{ text }} as json)
{%- endmacro %}

{% macro spark__json_document(text) -%}
    try_parse_json({{ text }})
{%- endmacro %}


{% macro json_types_at(document, paths) -%}
    {{- adapter.dispatch('json_types_at', 'lakehouse')(document, paths) -}}
{%- endmacro %}

{% macro duckdb__json_types_at(document, paths) -%}
    json_type({{ document }}, [{{ sql_strings(paths) }}])
{%- endmacro %}

{% macro spark__json_types_at(document, paths) -%}
    transform(
        array(
            {%- for path in paths %}
            schema_of_variant(variant_get({{ document }}, {{ sql_quote(path) }})){{ "," if not loop.last }}
            {%- endfor %}
        ),
        spark_type -> case
            when spark_type = 'STRING' then 'VARCHAR'
            when spark_type in ('TINYINT', 'SMALLINT', 'INT', 'BIGINT') then 'BIGINT'
            when spark_type rlike '^DECIMAL[(][0-9]+,0[)]$' then 'BIGINT'
            when spark_type like 'DECIMAL%' or spark_type in ('FLOAT', 'DOUBLE') then 'DOUBLE'
            when spark_type = 'VOID' then 'NULL'
            when spark_type like 'OBJECT%' then 'OBJECT'
            when spark_type like 'ARRAY%' then 'ARRAY'
            else spark_type
        end
    )
{%- endmacro %}


{% macro json_texts_at(document, paths) -%}
    {{- adapter.dispatch('json_texts_at', 'lakehouse')(document, paths) -}}
{%- endmacro %}

{% macro duckdb__json_texts_at(document, paths) -%}
    json_extract_string({{ document }}, [{{ sql_strings(paths) }}])
{%- endmacro %}

{% macro spark__json_texts_at(document, paths) -%}
    array(
        {%- for path in paths %}
        try_variant_get({{ document }}, {{ sql_quote(path) }}, 'string'){{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{% macro json_object_keys_of(document, text) -%}
    {{- adapter.dispatch('json_object_keys_of', 'lakehouse')(document, text) -}}
{%- endmacro %}

{% macro duckdb__json_object_keys_of(document, text) -%}
    json_keys({{ document }})
{%- endmacro %}

{% macro spark__json_object_keys_of(document, text) -%}
    json_object_keys({{ text }})
{%- endmacro %}


{% macro json_object_without(document, text, object_keys, keys) -%}
    {{- adapter.dispatch('json_object_without', 'lakehouse')(document, text, object_keys, keys) -}}
{%- endmacro %}

{% macro duckdb__json_object_without(document, text, object_keys, keys) -%}
    case
        when len(list_filter({{ object_keys }}, lambda k: k not in ({{ sql_strings(keys) }}))) > 0
            then (
                '{' || array_to_string(
                    list_transform(
                        list_filter(
                            list_zip({{ object_keys }}, json_extract({{ document }}, '$.*')),
                            lambda pair: pair[1] not in ({{ sql_strings(keys) }})
                        ),
                        lambda pair: to_json(pair[1])::varchar || ':' || pair[2]::varchar
                    ),
                    ','
                ) || '}'
            )::json
    end
{%- endmacro %}

{% macro spark__json_object_without(document, text, object_keys, keys) -%}
    case
        when size(filter({{ object_keys }}, k -> k not in ({{ sql_strings(keys) }}))) > 0
            then to_json(map_filter(
                try_variant_get({{ document }}, '$', 'map<string, variant>'),
                (k, v) -> k not in ({{ sql_strings(keys) }})
            ))
    end
{%- endmacro %}


{% macro json_array_items(document) -%}
    {{- adapter.dispatch('json_array_items', 'lakehouse')(document) -}}
{%- endmacro %}

{% macro duckdb__json_array_items(document) -%}
    json_extract({{ document }}, '$[*]')
{%- endmacro %}

{% macro spark__json_array_items(document) -%}
    try_variant_get({{ document }}, '$', 'array<variant>')
{%- endmacro %}


{% macro json_text(document) -%}
    {{- adapter.dispatch('json_text', 'lakehouse')(document) -}}
{%- endmacro %}

{% macro duckdb__json_text(document) -%}
    cast({{ document }} as varchar)
{%- endmacro %}

{% macro spark__json_text(document) -%}
    to_json({{ document }})
{%- endmacro %}
