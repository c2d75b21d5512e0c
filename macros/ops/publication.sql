{#- Publishing gold (DESIGN.md, "Publishing gold"; doc block `gold_publication`): a build writes
    the gold models into their candidate schema; readers read the published schema, which
    changes all at once, and only after a run whose quality gates passed. -#}

{% macro publish_if_passed(results) %}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'test'] -%}{{ return('') }}{%- endif -%}
    {%- set run = namespace(built=false, judged=false, failed_tests=[], broken=[], warned=[]) -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- if node.resource_type == 'test' -%}
            {%- if result.status in ['fail', 'error'] -%}{%- do run.failed_tests.append(result) -%}{%- endif -%}
            {%- if is_quality_gate(node) -%}{%- set run.judged = true -%}{%- endif -%}
            {%- if result.status == 'warn' -%}{%- do run.warned.append(node.name) -%}{%- endif -%}
        {%- elif node.resource_type in ['model', 'seed', 'snapshot', 'unit_test'] -%}
            {%- if result.status in ['error', 'skipped'] -%}
                {%- do run.broken.append(result) -%}
            {%- elif node.resource_type == 'model' -%}
                {%- set run.built = true -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set last = last_publication_decision() -%}
    {%- set holding = last is not none and last['verdict'] == 'held' -%}
    {%- set as_of = published_as_of() -%}
    {%- if not (run.built or run.judged or run.failed_tests or run.broken) -%}
        {#- nothing built, judged or failed (a `dbt test --select` of a few tests): no verdict -#}
        {%- if holding -%}
            {{ log("gold is held since run " ~ last['held_since'] ~ ": " ~ last['reason'], info=true) }}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}

    {%- set decision = {'held_since': none, 'seconds': none} -%}
    {%- if run.failed_tests -%}
        {%- set reason = failed_test_reason(run.failed_tests) -%}
        {%- do decision.update({'verdict': 'held', 'reason': reason,
            'held_since': last['held_since'] if holding else run_started_at_text()}) -%}
        {%- set files = files_read_by_this_run() -%}
        {%- set message = "gold held: " ~ reason ~ (" (the hold started at run " ~ last['held_since'] ~ ")" if holding else "")
            ~ ". " ~ as_of_sentence(as_of) ~ (" This run read " ~ files | join(', ') ~ "." if files else "")
            ~ " " ~ how_to_go_on(files[0] if files | length == 1 else '<name>') -%}
    {%- elif holding -%}
        {%- do decision.update({'verdict': 'held', 'reason': last['reason'], 'held_since': last['held_since']}) -%}
        {%- set message = "gold held since run " ~ last['held_since'] ~ ": " ~ last['reason'] ~ ". This run's "
            ~ "own gates passed, but nothing is published until the hold is resolved. "
            ~ as_of_sentence(as_of) ~ " " ~ how_to_go_on('<name>') -%}
    {%- elif run.broken -%}
        {%- set first = run.broken[0] -%}
        {%- do decision.update({'verdict': 'not_published',
            'reason': first.node.resource_type ~ " " ~ first.node.name ~ " " ~ first.status
                ~ (" and " ~ (run.broken | length - 1) ~ " more" if run.broken | length > 1 else "")}) -%}
        {%- set message = "gold not published: " ~ decision['reason'] ~ ". " ~ as_of_sentence(as_of)
            ~ " Fix it and build again; the next build that passes its gates publishes." -%}
    {%- elif not run.judged -%}
        {%- do decision.update({'verdict': 'not_published',
            'reason': "no quality gate ran in this `dbt " ~ flags.WHICH ~ "`"}) -%}
        {%- set message = "gold not published: " ~ decision['reason'] ~ ". " ~ as_of_sentence(as_of)
            ~ " `dbt test` (or `dbt build`) judges what was built and publishes it." -%}
    {%- else -%}
        {%- do decision.update({'verdict': 'published', 'reason': 'every error-level test passed'
            ~ ('; warned: ' ~ run.warned | join(', ') if run.warned else '')}) -%}
        {%- set message = none -%}
    {%- endif -%}
    {%- do decision.update({'complete': run.broken | length == 0}) -%}

    {%- set seconds = record_publication(decision, publish=decision['verdict'] == 'published') -%}
    {%- if decision['verdict'] == 'published' -%}
        {{ log("gold published: " ~ (gold_to_publish() | length) ~ " tables as of this run, in "
            ~ '%.2f' | format(seconds) ~ " s" ~ (" (" ~ run.warned | length ~ " test(s) warned: "
            ~ run.warned | join(', ') ~ ")" if run.warned else ""), info=true) }}
        {{ return('') }}
    {%- endif -%}
    {{ log(message, info=true) }}
    {%- if decision['verdict'] == 'held' -%}
        {#- a held run fails, with the message as its error -#}
        {{ return("select " ~ raise_error(sql_quote(message))) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro publish() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set last = last_publication_decision() -%}
    {%- if last is none -%}
        {{ exceptions.raise_compiler_error(
            "publish: nothing was built into this lakehouse yet: run `dbt build` first") }}
    {%- endif -%}
    {%- if last['verdict'] in ['published', 'released'] -%}
        {{ log("publish: nothing is held; " ~ as_of_sentence(published_as_of()), info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- if not last['candidate_complete'] -%}
        {{ exceptions.raise_compiler_error(
            "publish: the last build did not complete (" ~ last['reason'] ~ "), so the candidate "
            ~ "gold is partly built: build again, then publish") }}
    {%- endif -%}
    {%- set seconds = record_publication({'verdict': 'released', 'complete': true, 'held_since': none,
        'reason': 'released by hand' ~ (' after: ' ~ last['reason'] if last['verdict'] == 'held' else '')},
        publish=true) -%}
    {{ log("publish: gold released (" ~ (gold_to_publish() | length) ~ " tables, "
        ~ '%.2f' | format(seconds) ~ " s): readers now see the candidate the last build left", info=true) }}
{% endmacro %}


{% macro forget_file(file=none) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- if not file or '/' in (file | string) -%}
        {{ exceptions.raise_compiler_error(
            "forget_file: give the name of one raw file, as it sits in raw_root, e.g. "
            ~ "dbt run-operation forget_file --args '{file: events_0003.ndjson}' "
            ~ "(or make forget FILE=events_0003.ndjson); got " ~ (file | string)) }}
    {%- endif -%}
    {%- set source = raw_source_of_file(file) -%}
    {%- set glob = raw_file_glob(source.source_name, source.name) -%}
    {%- set folder = glob.rsplit('/', 1)[0] -%}
    {%- set on_disk = run_query("select path, size from (" ~ raw_files_on_disk(glob) ~ ") as listed"
        ~ " where file_name = " ~ sql_quote(file)).rows -%}
    {%- set size = on_disk[0]['size'] if on_disk | length > 0 else none -%}
    {%- set fingerprint = raw_file_fingerprint(on_disk[0]['path']) if on_disk | length > 0 else none -%}
    {#- the bytes to forget are those bronze read: a file changed in place since is its correction -#}
    {%- set reads = adapter.get_relation(database=target.database, schema='audit', identifier='raw_file_reads') -%}
    {%- if reads is not none -%}
        {%- set read = run_query("select size_bytes, content_md5 from " ~ reads ~ " where file_name = "
            ~ sql_quote(file) ~ " and source_name = " ~ sql_quote(source.source_name ~ '.' ~ source.name)
            ~ " order by read_at desc limit 1").rows -%}
        {%- if read | length > 0 -%}
            {%- set size, fingerprint = read[0]['size_bytes'], read[0]['content_md5'] -%}
        {%- endif -%}
    {%- endif -%}

    {#- what the drop changes: the file's rows in bronze (the models reading the source) and in
        the models keyed by raw line; every other incremental model fed by the source is
        dropped whole (its history, a full_refresh: false model, is kept) -#}
    {%- set line_models, dropped_models = [], [] -%}
    {%- set lines = namespace(count=0) -%}
    {%- for node in models_fed_by(source.unique_id) -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- set is_bronze = source.unique_id in node.depends_on.nodes -%}
        {%- if relation is none or relation.type == 'view' -%}
        {%- elif is_bronze or node.config.meta.get('one_row_per_raw_line') -%}
            {%- do line_models.append(relation) -%}
            {%- if is_bronze -%}
                {%- set lines.count = lines.count + run_query("select count(*) from " ~ relation
                    ~ " where source_file = " ~ sql_quote(file)).columns[0].values()[0] -%}
            {%- endif -%}
        {%- elif node.config.materialized == 'incremental' and node.config.full_refresh is not false -%}
            {%- do dropped_models.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if lines.count == 0 and size is none -%}
        {{ exceptions.raise_compiler_error(
            "forget_file: nothing to drop: no line of " ~ file ~ " is in bronze, and raw_root ("
            ~ folder ~ ") holds no such file") }}
    {%- endif -%}

    {%- do begin_transaction() -%}
    {%- do create_audit_table('dropped_files', [
        ('file_name', 'string'), ('source_name', 'string'), ('size_bytes', 'bigint'),
        ('content_md5', 'string'), ('lines_dropped', 'bigint'),
        ('dropped_at', instant_type()), ('invocation_id', 'string')]) -%}
    {%- do run_query("insert into audit.dropped_files values (" ~ sql_quote(file) ~ ", "
        ~ sql_quote(source.source_name ~ '.' ~ source.name) ~ ", "
        ~ (size if size is not none else 'null') ~ ", "
        ~ (sql_quote(fingerprint) if fingerprint is not none else 'null') ~ ", "
        ~ lines.count ~ ", " ~ run_started_instant() ~ ", " ~ sql_quote(invocation_id) ~ ")") -%}
    {%- for relation in line_models -%}
        {%- set delete_sql = delete_rows(relation, "stored.source_file = " ~ sql_quote(file)) -%}
        {%- if delete_sql | trim -%}{%- do run_query(delete_sql) -%}{%- endif -%}
    {%- endfor -%}
    {%- for relation in dropped_models -%}
        {%- do run_query("drop table if exists " ~ relation) -%}
    {%- endfor -%}
    {#- the fingerprints of what bronze read of the file describe bytes no longer in it -#}
    {%- set reads = adapter.get_relation(database=target.database, schema='audit', identifier='raw_file_reads') -%}
    {%- if reads is not none -%}
        {%- set delete_sql = delete_rows(reads, "stored.file_name = " ~ sql_quote(file) ~ " and stored.source_name = "
            ~ sql_quote(source.source_name ~ '.' ~ source.name)) -%}
        {%- if delete_sql | trim -%}{%- do run_query(delete_sql) -%}{%- endif -%}
    {%- endif -%}
    {#- the scheduled run's record of what it built no longer describes the lakehouse -#}
    {%- if adapter.get_relation(database=target.database, schema='audit', identifier='build_inputs') is not none -%}
        {%- do run_query(delete_rows(api.Relation.create(database=target.database, schema='audit',
            identifier='build_inputs'), 'true') or 'select 1') -%}
    {%- endif -%}
    {%- set last = last_publication_decision() -%}
    {%- do record_publication({'verdict': 'dropped', 'complete': false, 'held_since': none,
        'reason': 'dropped ' ~ file ~ ' (' ~ lines.count ~ ' lines)'
            ~ (', which resolves the hold: ' ~ last['reason'] if last is not none and last['verdict'] == 'held' else ''),
        'dropped_file': file}, publish=false) -%}
    {{ log("forget_file: dropped " ~ file ~ " (" ~ lines.count ~ " lines) from "
        ~ (line_models | join(', ')) ~ (", and dropped " ~ (dropped_models | length)
        ~ " incremental models it fed, which the next build rebuilds from what remains" if dropped_models else "")
        ~ ". The same bytes will not be read again; a corrected file under this name will be. "
        ~ "The next build that passes its gates publishes gold.", info=true) }}
{% endmacro %}


{% macro record_publication(decision, publish) %}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- do begin_transaction() -%}
    {%- do create_audit_table('gold_publications', [
        ('invocation_id', 'string'), ('run_started_at', instant_type()), ('command', 'string'),
        ('verdict', 'string'), ('reason', 'string'), ('held_since', 'string'),
        ('candidate_complete', 'boolean'), ('publish_seconds', 'double'), ('dropped_file', 'string')]) -%}
    {%- set seconds = 0 -%}
    {%- if publish -%}
        {%- do set_commit_message('gold published by dbt ' ~ command_name() ~ ' ' ~ invocation_id) -%}
        {%- do publish_gold(gold_to_publish()) -%}
        {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {%- endif -%}
    {%- do run_query("insert into audit.gold_publications values ("
        ~ sql_quote(invocation_id) ~ ", " ~ run_started_instant() ~ ", " ~ sql_quote(command_name()) ~ ", "
        ~ sql_quote(decision['verdict']) ~ ", " ~ sql_quote(decision['reason'][:1000]) ~ ", "
        ~ (sql_quote(decision['held_since']) if decision['held_since'] else 'null') ~ ", "
        ~ ('true' if decision['complete'] else 'false') ~ ", " ~ seconds ~ ", "
        ~ (sql_quote(decision['dropped_file']) if decision.get('dropped_file') else 'null') ~ ")") -%}
    {%- set report = relation_of_model('rpt_data_quality_runs') -%}
    {%- if report is not none and 'publication_verdict' in (adapter.get_columns_in_relation(report) | map(attribute='name') | list) -%}
        {%- if decision['verdict'] in ['released', 'dropped'] -%}
            {%- do set_column_where(report, 'publication_verdict', sql_quote(decision['verdict']), "publication_verdict = 'held'") -%}
        {%- else -%}
            {%- do set_column_where(report, 'publication_verdict', sql_quote(decision['verdict']),
                "invocation_id = " ~ sql_quote(invocation_id)) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do commit_transaction() -%}
    {{ return(seconds) }}
{% endmacro %}


{% macro publish_gold(pairs) %}
    {{- return(adapter.dispatch('publish_gold', 'lakehouse')(pairs)) -}}
{% endmacro %}

{% macro default__publish_gold(pairs) %}
    {%- for schema in pairs | map(attribute='published') | map(attribute='schema') | unique -%}
        {%- do run_query("create schema if not exists " ~ api.Relation.create(
            database=pairs[0].published.database, schema=schema).render()) -%}
    {%- endfor -%}
    {%- for pair in pairs -%}
        {%- do run_query("create or replace table " ~ pair.published ~ " as select * from " ~ pair.candidate) -%}
    {%- endfor -%}
{% endmacro %}

{% macro spark__publish_gold(pairs) %}
    {%- set versions_schema = pairs[0].published.schema ~ '_versions' -%}
    {%- do run_query('create schema if not exists ' ~ versions_schema) -%}
    {%- do run_query('create schema if not exists ' ~ pairs[0].published.schema) -%}
    {%- set log_table = versions_schema ~ '.publications' -%}
    {%- do run_query('create table if not exists ' ~ log_table
        ~ ' (publication bigint, invocation_id string, published_at timestamp) using parquet') -%}
    {%- set number = run_query('select coalesce(max(publication), 0) + 1 from ' ~ log_table).columns[0].values()[0] -%}
    {%- for pair in pairs -%}
        {%- set versions = versions_schema ~ '.' ~ pair.published.identifier -%}
        {%- set columns = adapter.get_columns_in_relation(pair.candidate) | map(attribute='name') | list -%}
        {%- set existing = adapter.get_relation(database=none, schema=versions_schema, identifier=pair.published.identifier) -%}
        {%- if existing is not none and (adapter.get_columns_in_relation(existing) | map(attribute='name') | list) != columns + ['publication'] -%}
            {#- the table's columns changed: earlier publications cannot share its files -#}
            {%- do run_query('drop table ' ~ versions) -%}
            {%- set existing = none -%}
        {%- endif -%}
        {%- if existing is none -%}
            {%- do run_query('create table ' ~ versions ~ ' using parquet partitioned by (publication) as select *, cast(0 as bigint) as publication from '
                ~ pair.candidate ~ ' where false') -%}
        {%- endif -%}
        {%- do run_query('insert overwrite table ' ~ versions ~ ' partition (publication = ' ~ number ~ ') select '
            ~ columns | join(', ') ~ ' from ' ~ pair.candidate) -%}
        {%- if existing is none or adapter.get_relation(database=none, schema=pair.published.schema,
            identifier=pair.published.identifier) is none -%}
            {%- do run_query('create or replace view ' ~ pair.published ~ ' as select ' ~ columns | join(', ')
                ~ ' from ' ~ versions ~ ' where publication = (select max(publication) from ' ~ log_table ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query('insert into ' ~ log_table ~ ' values (' ~ number ~ ', ' ~ sql_quote(invocation_id)
        ~ ', current_timestamp())') -%}
    {%- for pair in pairs -%}
        {%- do run_query('alter table ' ~ versions_schema ~ '.' ~ pair.published.identifier
            ~ ' drop if exists partition (publication = ' ~ (number - 3) ~ ')') -%}
    {%- endfor -%}
{% endmacro %}


{% macro gold_to_publish() %}
    {%- set pairs = [] -%}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='name')
        if node.config.meta.get('publish_to') -%}
        {%- do pairs.append({
            'name': node.name,
            'candidate': api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias),
            'published': api.Relation.create(database=node.database, schema=node.config.meta.publish_to,
                identifier=node.alias)}) -%}
    {%- endfor -%}
    {%- if not pairs -%}
        {{ exceptions.raise_compiler_error(
            "gold_to_publish: no model sets meta.publish_to (dbt_project.yml, models.lakehouse.marts)") }}
    {%- endif -%}
    {{ return(pairs) }}
{% endmacro %}


{% macro is_quality_gate(node) %}
    {%- set metadata = node.test_metadata if node.test_metadata is defined else none -%}
    {{ return(metadata is not none and metadata.name == 'within_thresholds') }}
{% endmacro %}


{% macro failed_test_reason(failed_tests) %}
    {%- set clauses = [] -%}
    {%- for result in failed_tests[:3] -%}
        {%- if is_quality_gate(result.node) and result.status == 'fail' -%}
            {%- set row = run_query(result.node.compiled_code).rows[0] -%}
            {%- do clauses.append("gate " ~ result.node.test_metadata.kwargs.column_name ~ " = "
                ~ row['observed'] ~ " is above its error level " ~ row['error_above']) -%}
        {%- else -%}
            {%- do clauses.append("test " ~ result.node.name ~ " " ~ result.status ~ "ed ("
                ~ (result.message | string | replace('\n', ' ')) ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set more = failed_tests | length - 3 -%}
    {{ return(clauses | join('; ') ~ (" (and " ~ more ~ " more failed tests)" if more > 0 else "")) }}
{% endmacro %}


{% macro how_to_go_on(file) -%}
    Once you have looked: release it with `make publish` (dbt run-operation publish), or drop a delivery with `make forget FILE={{ file }}` (dbt run-operation forget_file --args '{file: {{ file }}}') and build again.
{%- endmacro %}


{% macro as_of_sentence(as_of) -%}
    {%- if as_of is none -%}
        Gold has never been published in this lakehouse.
    {%- else -%}
        Gold stays as of run {{ as_of['run_started_at'][:19] }} UTC (invocation {{ as_of['invocation_id'] }}).
    {%- endif -%}
{%- endmacro %}


{% macro files_read_by_this_run() %}
    {%- set bronze = relation_of_model('stg_app__event_lines') -%}
    {%- if bronze is none -%}{{ return([]) }}{%- endif -%}
    {{ return(run_query("select distinct source_file from " ~ bronze ~ " where ingest_invocation_id = "
        ~ sql_quote(invocation_id) ~ " order by 1").columns[0].values() | list) }}
{% endmacro %}


{% macro last_publication_decision() %}
    {%- set log_table = adapter.get_relation(database=target.database, schema='audit', identifier='gold_publications') -%}
    {%- if log_table is none -%}{{ return(none) }}{%- endif -%}
    {%- set rows = run_query("select verdict, reason, held_since, candidate_complete, invocation_id, "
        ~ "cast(run_started_at as string) as run_started_at from " ~ log_table
        ~ " order by run_started_at desc limit 1").rows -%}
    {{ return(rows[0] if rows | length > 0 else none) }}
{% endmacro %}


{% macro published_as_of() %}
    {%- set log_table = adapter.get_relation(database=target.database, schema='audit', identifier='gold_publications') -%}
    {%- if log_table is none -%}{{ return(none) }}{%- endif -%}
    {%- set rows = run_query("select invocation_id, cast(run_started_at as string) as run_started_at from "
        ~ log_table ~ " where verdict in ('published', 'released') order by run_started_at desc limit 1").rows -%}
    {{ return(rows[0] if rows | length > 0 else none) }}
{% endmacro %}


{% macro command_name() -%}
    {{- flags.WHICH ~ ((' ' ~ invocation_args_dict.get('macro')) if flags.WHICH == 'run-operation' else '') -}}
{%- endmacro %}


{% macro run_started_at_text() -%}
    {{- run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ ' UTC' -}}
{%- endmacro %}


{% macro relation_of_model(name) %}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) -%}
    {%- if node is none -%}{{ return(none) }}{%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{% endmacro %}


{% macro models_fed_by(source_id) %}
    {%- set fed = {source_id: true} -%}
    {%- set found = namespace(more=true) -%}
    {%- for _ in range(100) if found.more -%}
        {%- set found.more = false -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.unique_id not in fed -%}
            {%- for parent in node.depends_on.nodes if parent in fed and node.unique_id not in fed -%}
                {%- do fed.update({node.unique_id: true}) -%}
                {%- set found.more = true -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(graph.nodes.values() | selectattr('unique_id', 'in', fed) | list) }}
{% endmacro %}


{% macro raw_source_of_file(file) %}
    {%- for node in raw_sources() -%}
        {%- set pattern = raw_source_glob(node.source_name, node.name).rsplit('/', 1)[-1] -%}
        {%- if modules.re.match(glob_regex(pattern), file) -%}{{ return(node) }}{%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("forget_file: no raw source reads a file named " ~ file
        ~ "; the sources read " ~ (raw_sources() | map(attribute='config.meta.file_glob') | join(', '))) }}
{% endmacro %}
