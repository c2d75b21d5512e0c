#!/usr/bin/env python3
"""Scheduled build: `dbt build` of what changed since the last one (`make update`).

Usage: run_batch.py [--force] [--wait SECONDS] [--project-dir DIR] [-- DBT_ARGS ...]

An hourly job calls this instead of `dbt build`. It fingerprints what a build depends on: the
raw files of each source (name, size, modification time of the files matching each raw
source's `meta.file_glob`) and the project's code (models/, macros/, seeds/, tests/,
dbt_project.yml and profiles.yml, plus the dbt arguments given after `--`), and compares them
with what the last successful build recorded (table audit.build_inputs, in the lakehouse
itself):

- nothing changed: no model runs, the cost is dbt's start-up;
- the code changed, or no scheduled build is recorded: everything is built;
- else only the sources whose files changed, and everything downstream of them
  (`--select source:<name>+`): a model that reads none of them would be rebuilt from the same
  inputs by the same code, into the same rows. A source is also built when it holds a date
  quarantined as too far ahead that the clock has now caught up with (macro
  sources_due_again): a build would judge it otherwise.

The build leaves unit tests out (their inputs are fixed: CI runs them). The fingerprints are
those taken before the build, recorded once it succeeded; a failed build records nothing, so
the next run tries again. When another process holds the lakehouse file, the run waits for it
(--wait, 10 minutes by default) instead of failing at once; on the lake target
(`-- --target lake`) it holds the lake's build lock for the run, and waits the same way for
another build that holds it. dbt parses once for every step.

Exit status: 0 when skipped or built, 1 when the build failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scheduling.dbt_project import DbtFailed, DbtProject
from scheduling.fingerprints import code_fingerprint, raw_source_globs, sources_fingerprints
from scheduling.lock import dbt_target, lakehouse_held
from scheduling.plan import BuildInputs, plan_build

ROOT = Path(__file__).resolve().parent.parent
SELECTION_FLAGS = {"--select", "-s", "--models", "-m", "--selector"}


def say(message: str) -> None:
    print(f"run_batch: {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="build even if nothing changed")
    parser.add_argument("--wait", type=float, default=600, metavar="SECONDS",
                        help="how long to wait for another process to release the lakehouse (default 600)")
    parser.add_argument("--project-dir", type=Path, default=ROOT, help="dbt project (default: this one)")
    parser.add_argument("dbt_args", nargs="*", help="passed to every dbt call, after `--` (e.g. --vars ...)")
    args = parser.parse_args()
    if SELECTION_FLAGS.intersection(args.dbt_args):
        # a partial build recorded as a complete one would hide the part it skipped
        parser.error("run_batch chooses what to build from what changed; for a selection of "
                     "your own, run `dbt build --select ...` directly")
    if dbt_target(args.dbt_args) == "spark":
        # its record of what was built (audit.build_inputs) and its lock are the DuckDB file's
        # and the lake's (README, "Spark target")
        parser.error("the scheduled run serves the DuckDB file and the lake target; on Spark, "
                     "schedule `dbt build --target spark`, which reads only new and grown files")
    project_dir = args.project_dir.resolve()
    with lakehouse_held(project_dir, args.dbt_args, args.wait, say) as held_by:
        if held_by:
            print(f"run_batch: the lakehouse is still held by {held_by} after {args.wait:.0f} s; "
                  "nothing built, the next run tries again", file=sys.stderr)
            return 1
        return build_if_changed(project_dir, args.dbt_args, args.force)


def build_if_changed(project_dir: Path, dbt_args: list[str], force: bool) -> int:
    try:
        project = DbtProject(project_dir, dbt_args)
        current = BuildInputs(code_fingerprint(project_dir, dbt_args),
                              sources_fingerprints(raw_source_globs(project.manifest, project_dir)))
        last, due_again = project.last_build_inputs()
        selectors, why = plan_build(current, last, force, due_again)
        if selectors is None:
            say(f"{why}: skipped")
            return 0
        say(f"{why}: building {' '.join(selectors) or 'everything'}")
        project.build(selectors)
    except DbtFailed as failure:
        print(f"run_batch: {failure}; nothing recorded, the next run builds again", file=sys.stderr)
        return 1
    try:
        project.record_build_inputs(current)
    except DbtFailed as failure:
        print(f"run_batch: built, but {failure}: the next run builds again", file=sys.stderr)
        return 1
    say("built; inputs recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
