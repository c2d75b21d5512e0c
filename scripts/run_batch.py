#!/usr/bin/env python3
"""Scheduled build: `dbt build` only when something it depends on changed (`make update`).

Usage: run_batch.py [--force] [--project-dir DIR] [-- DBT_ARGS ...]

An hourly job calls this instead of `dbt build`. It fingerprints what a build depends on:
every raw file of every source (name, size, modification time, read by the dbt macro
`check_build_inputs`) and the project's code (this script hashes models/, macros/, seeds/,
tests/, dbt_project.yml and profiles.yml, plus the dbt arguments given after `--`). When the
fingerprint equals the one recorded by the last successful build (table audit.build_inputs,
in the lakehouse file itself), nothing can have changed and no model runs: the cost is dbt's
start-up. Otherwise it runs `dbt build` without unit tests (their inputs are fixed: CI runs
them, scheduled runs need not) and records the fingerprint once the build succeeded; a failed
build records nothing, so the next run tries again. dbt parses once for the three steps, and
target/run_results.json stays the build's.

Exit status: 0 when skipped or built, 1 when the build failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner
from dbt_common.events.base_types import EventMsg

ROOT = Path(__file__).resolve().parent.parent
CODE_PATHS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
SKIPPED_CODE_DIRS = {"python", "__pycache__"}  # pytest's harness is no input of a build
MARKER = "build inputs: "


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


class InputsCheck:
    """Collects the verdict that the check_build_inputs macro logs."""

    def __init__(self) -> None:
        self.changed: bool | None = None
        self.fingerprint = ""

    def __call__(self, event: EventMsg) -> None:
        if event.info.name != "JinjaLogInfo" or not event.info.msg.startswith(MARKER):
            return
        verdict, self.fingerprint = event.info.msg.removeprefix(MARKER).split()
        self.changed = verdict == "changed"


def operation(macro: str, macro_args: str, common: list[str]) -> list[str]:
    """A run-operation that leaves target/run_results.json to the build."""
    return ["run-operation", "--no-write-json", macro, "--args", macro_args, *common]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="build even if nothing changed")
    parser.add_argument("--project-dir", type=Path, default=ROOT, help="dbt project (default: this one)")
    parser.add_argument("dbt_args", nargs="*", help="passed to every dbt call, after `--` (e.g. --vars ...)")
    args = parser.parse_args()
    project = args.project_dir.resolve()
    common = ["--project-dir", str(project), "--profiles-dir", str(project), *args.dbt_args]

    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success:
        print(f"run_batch: dbt parse failed: {parsed.exception or 'see the log above'}", file=sys.stderr)
        return 1
    check = InputsCheck()
    runner = dbtRunner(manifest=parsed.result, callbacks=[check])
    code = code_fingerprint(project, args.dbt_args)
    checked = runner.invoke(operation("check_build_inputs", f"{{code_fingerprint: {code}}}", common))
    if not checked.success or check.changed is None:
        print("run_batch: could not fingerprint the build inputs (see the log above)", file=sys.stderr)
        return 1
    if not check.changed and not args.force:
        print(f"run_batch: nothing changed since the last successful build ({check.fingerprint[:12]}): skipped")
        return 0

    built = runner.invoke(["build", "--exclude-resource-type", "unit_test", *common])
    if not built.success:
        print("run_batch: dbt build failed; nothing recorded, the next run builds again", file=sys.stderr)
        return 1
    recorded = runner.invoke(operation("record_build_inputs", f"{{fingerprint: {check.fingerprint}}}", common))
    if not recorded.success:
        print("run_batch: built, but the fingerprint was not recorded: the next run builds again", file=sys.stderr)
        return 1
    print(f"run_batch: built; inputs recorded ({check.fingerprint[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
