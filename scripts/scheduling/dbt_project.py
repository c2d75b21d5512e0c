"""The dbt calls of a scheduled run, sharing one parsed project (dbtRunner in process)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbt.artifacts.schemas.run import RunExecutionResult
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest
from dbt_common.events.base_types import EventMsg

from scheduling.lock import holder
from scheduling.plan import BuildInputs


class DbtFailed(Exception):
    """A dbt call failed; the message is one line saying why."""


@dataclass
class ErrorLog:
    """Keeps dbt's error-level messages, to tell a held lakehouse from other failures."""

    messages: list[str] = field(default_factory=list)

    def __call__(self, event: EventMsg) -> None:
        info: Any = event.info  # dbt's EventInfo protocol leaves out `msg`, which every event has
        if info.level == "error":
            self.messages.append(str(info.msg))


class DbtProject:
    """A dbt project parsed once; each call reuses the manifest."""

    def __init__(self, project_dir: Path, dbt_args: list[str]) -> None:
        self.common = ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
                       *dbt_args]
        parsed = dbtRunner().invoke(["parse", *self.common])
        if not parsed.success:
            raise DbtFailed(f"dbt parse failed: {parsed.exception or 'see the log above'}")
        assert isinstance(parsed.result, Manifest)
        self.manifest = parsed.result
        self.errors = ErrorLog()
        self.runner = dbtRunner(manifest=self.manifest, callbacks=[self.errors])

    def _invoke(self, args: list[str], what: str) -> dbtRunnerResult:
        self.errors.messages.clear()
        result = self.runner.invoke([*args, *self.common])
        if not result.success:
            text = " ".join([str(result.exception or ""), *self.errors.messages])
            held_by = holder(text)
            if held_by:
                raise DbtFailed(f"{what}: the lakehouse is held by {held_by}")
            held_gold = [m for m in self.errors.messages if "gold held" in m]
            if held_gold:  # the build's own one-line verdict (macro publish_if_passed)
                line = held_gold[-1].strip().splitlines()[-1]
                raise DbtFailed(line[line.index("gold held"):].strip())
            raise DbtFailed(f"{what} failed (see the log above)")
        return result

    def last_build_inputs(self) -> tuple[BuildInputs | None, frozenset[str]]:
        """What the last successful scheduled build recorded in audit.build_inputs, if any,
        and the sources with a quarantined date now due to be judged again."""
        shown = self._invoke(["show", "--quiet", "--inline", "{{ recorded_build_inputs() }}",
                              "--limit", "-1"], "reading the last build's inputs")
        assert isinstance(shown.result, RunExecutionResult)
        table = shown.result.results[0].agate_table
        rows = [tuple(row) for row in table.rows] if table is not None else []
        if not rows:
            return None, frozenset()
        return (BuildInputs(code=str(rows[0][0]), sources={str(r[1]): str(r[2]) for r in rows}),
                frozenset(str(r[1]) for r in rows if r[3]))

    def build(self, selectors: list[str]) -> None:
        selection = ["--select", *selectors] if selectors else []
        self._invoke(["build", "--exclude-resource-type", "unit_test", *selection], "dbt build")

    def record_build_inputs(self, inputs: BuildInputs) -> None:
        """Record what the build was made from; a run-operation leaves target/run_results.json
        to the build."""
        args = json.dumps({"code_fingerprint": inputs.code, "sources": inputs.sources})
        self._invoke(["run-operation", "--no-write-json", "record_build_inputs", "--args", args],
                     "recording the build's inputs")
