-- Ad hoc: how many events lines each quarantine reason holds, per file.
-- Run with: dbt compile --select quarantine_by_reason, then query the compiled SQL.

with

quarantined as (
    select * from {{ ref('int_events_quarantined') }}
)

select
    source_file,
    quarantine_reason,
    count(*) as quarantined_lines
from quarantined
group by source_file, quarantine_reason
order by source_file asc, quarantined_lines desc
