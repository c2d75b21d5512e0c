"""Run several `mf` commands in one process, as `.venv/bin/mf` would run each of them: the same
entry point (`dbt_metricflow.cli.main.cli`) and arguments. One process pays the CLI's start-up
(about 3 s of imports and checks) once instead of once per command.

Usage: mf_batch.py COMMANDS.json RESULTS.json. COMMANDS is a JSON list of argument lists (what
follows `mf`); RESULTS receives, for each, its exit code and what it printed."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from click.testing import CliRunner
from dbt_metricflow.cli.main import cli


def main(commands: Path, results: Path) -> None:
    runner = CliRunner()
    done = []
    for args in json.loads(commands.read_text()):
        result = runner.invoke(cli, args, prog_name="mf")
        output = result.output
        if result.exc_info is not None and not isinstance(result.exception, SystemExit):
            output += "".join(traceback.format_exception(*result.exc_info))
        done.append({"args": args, "exit_code": result.exit_code, "output": output})
    results.write_text(json.dumps(done))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
