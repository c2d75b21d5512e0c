#!/usr/bin/env python3
"""Scheduled build: `dbt build` of what changed since the last one (`make update`).

Usage: run_batch.py [--force] [--project-dir DIR] [-- DBT_ARGS ...]

An hourly job calls this instead of `dbt build`. It fingerprints what a build depends on: the
raw files of each source (name, size, modification time, read by the dbt macro
`check_build_inputs`) and the project's code (this script hashes models/, macros/, seeds/,
tests/, dbt_project.yml and profiles.yml, plus the dbt arguments given after `--`), and
compares them with what the last successful build recorded (table audit.build_inputs, in the
lakehouse file itself):

- nothing changed: no model runs, the cost is dbt's start-up;
- the code changed, or no scheduled build is recorded: everything is built;
- else only the sources whose files changed, and everything downstream of them
  (`--select source:<name>+`): a model that reads none of them would be rebuilt from the same
  inputs by the same code, into the same rows.

The build leaves unit tests out (their inputs are fixed: CI runs them). The fingerprints are
recorded once the build succeeded; a failed build records nothing, so the next run tries
again. dbt parses once for the three steps, and target/run_results.json stays the build's.

Exit status: 0 when skipped or built, 1 when the build failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from dbt.cli.main import dbtRunner
from dbt.contracts.graph.manifest import Manifest
from dbt_common.events.base_types import EventMsg

ROOT = Path(__file__).resolve().parent.parent
CODE_PATHS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
SKIPPED_CODE_DIRS = {"python", "__pycache__"}  # pytest's harness is no input of a build
MARKER = "build inputs: "
SELECTION_FLAGS = {"--select", "-s", "--models", "-m", "--selector"}


def code_fingerprint(project_dir: Path, dbt_args: list[str]) -> str:
    """sha256 over every project file a build reads (relative path and bytes) and the args."""
    digest = hashlib.sha256("\0".join(dbt_args).encode())
    for name in CODE_PATHS:
        top = project_dir / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(project_dir)
            if SKIPPED_CODE_DIRS.intersection(relative.parts):
                continue
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class InputsCheck:
    """Collects what the check_build_inputs macro logs: per-source fingerprints, last build."""

    sources: dict[str, str] | None = None
    last_build: dict[str, Any] | None = None

    def __call__(self, event: EventMsg) -> None:
        info: Any = event.info  # dbt's EventInfo protocol leaves out `msg`, which every event has
        if info.name != "JinjaLogInfo" or not info.msg.startswith(MARKER):
            return
        logged = json.loads(info.msg.removeprefix(MARKER))
        self.sources, self.last_build = logged["sources"], logged["last_build"]


def plan_build(code: str, sources: dict[str, str], last_build: dict[str, Any] | None,
               force: bool = False) -> tuple[list[str] | None, str]:
    """What to build: (None, why) to skip, ([], why) for everything, else the dbt selectors."""
    if force:
        return [], "--force"
    if last_build is None:
        return [], "no scheduled build recorded yet"
    if last_build["code"] != code:
        return [], "the code or the dbt arguments changed"
    built = last_build["sources"]
    changed = sorted(name for name in {*sources, *built} if sources.get(name) != built.get(name))
    if not changed:
        return None, "nothing changed since the last successful build"
    return [f"source:{name}+" for name in changed], f"new or changed files of {', '.join(changed)}"


def operation(macro: str, macro_args: str, common: list[str]) -> list[str]:
    """A run-operation that leaves target/run_results.json to the build."""
    return ["run-operation", "--no-write-json", macro, "--args", macro_args, *common]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="build even if nothing changed")
    parser.add_argument("--project-dir", type=Path, default=ROOT, help="dbt project (default: this one)")
    parser.add_argument("dbt_args", nargs="*", help="passed to every dbt call, after `--` (e.g. --vars ...)")
    args = parser.parse_args()
    if SELECTION_FLAGS.intersection(args.dbt_args):
        # a partial build recorded as a complete one would hide the part it skipped
        parser.error("run_batch chooses what to build from what changed; for a selection of "
                     "your own, run `dbt build --select ...` directly")
    project = args.project_dir.resolve()
    common = ["--project-dir", str(project), "--profiles-dir", str(project), *args.dbt_args]

    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success:
        print(f"run_batch: dbt parse failed: {parsed.exception or 'see the log above'}", file=sys.stderr)
        return 1
    check = InputsCheck()
    runner = dbtRunner(manifest=cast(Manifest, parsed.result), callbacks=[check])  # parse returns the manifest
    checked = runner.invoke(operation("check_build_inputs", "{}", common))
    if not checked.success or check.sources is None:
        print("run_batch: could not fingerprint the build inputs (see the log above)", file=sys.stderr)
        return 1
    code = code_fingerprint(project, args.dbt_args)
    selectors, why = plan_build(code, check.sources, check.last_build, args.force)
    if selectors is None:
        print(f"run_batch: {why}: skipped")
        return 0
    selection = ["--select", *selectors] if selectors else []
    print(f"run_batch: {why}: building {' '.join(selectors) or 'everything'}")

    built = runner.invoke(["build", "--exclude-resource-type", "unit_test", *selection, *common])
    if not built.success:
        print("run_batch: dbt build failed; nothing recorded, the next run builds again", file=sys.stderr)
        return 1
    inputs = json.dumps({"code_fingerprint": code, "sources": check.sources})
    recorded = runner.invoke(operation("record_build_inputs", inputs, common))
    if not recorded.success:
        print("run_batch: built, but the fingerprints were not recorded: the next run builds again",
              file=sys.stderr)
        return 1
    print("run_batch: built; inputs recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
