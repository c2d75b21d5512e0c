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


def plan_build(current: BuildInputs, last: BuildInputs | None,
               force: bool = False) -> tuple[list[str] | None, str]:
    """What to build: (None, why) to skip, ([], why) for everything, else the dbt selectors."""
    if force:
        return [], "--force"
    if last is None:
        return [], "no scheduled build recorded yet"
    if last.code != current.code:
        return [], "the code or the dbt arguments changed"
    names = {*current.sources, *last.sources}
    changed = sorted(name for name in names if current.sources.get(name) != last.sources.get(name))
    if not changed:
        return None, "nothing changed since the last successful build"
    return ([*(f"source:{name}+" for name in changed), GATES_MODEL],
            f"new or changed files of {', '.join(changed)}")
