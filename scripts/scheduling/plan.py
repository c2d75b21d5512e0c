"""What a scheduled run builds, from what changed since the last successful one."""

from __future__ import annotations

from dataclasses import dataclass

# The model whose tests are the data-quality gates. A build publishes gold only when the gates
# ran and passed, so every partial build selects it too (it reads events and spend; a
# subscriptions-only build would leave it out).
GATES_MODEL = "rpt_data_quality_runs"


@dataclass(frozen=True)
class BuildInputs:
    """What a build was made from: the code fingerprint and each raw source's fingerprint."""

    code: str
    sources: dict[str, str]


def plan_build(current: BuildInputs, last: BuildInputs | None, force: bool = False,
               due_again: frozenset[str] = frozenset()) -> tuple[list[str] | None, str]:
    """What to build: (None, why) to skip, ([], why) for everything, else the dbt selectors.
    `due_again`: the sources holding a date quarantined as too far ahead that the clock has
    caught up with, which a build would now judge otherwise."""
    if force:
        return [], "--force"
    if last is None:
        return [], "no scheduled build recorded yet"
    if last.code != current.code:
        return [], "the code or the dbt arguments changed"
    names = {*current.sources, *last.sources}
    changed = sorted(name for name in names if current.sources.get(name) != last.sources.get(name))
    due = sorted(due_again - set(changed))
    if not changed and not due:
        return None, "nothing changed since the last successful build"
    reasons = ([f"new or changed files of {', '.join(changed)}"] if changed else []) + (
        [f"dates of {', '.join(due)} quarantined as too far ahead, now due"] if due else [])
    return [*(f"source:{name}+" for name in sorted({*changed, *due})), GATES_MODEL], "; ".join(reasons)
