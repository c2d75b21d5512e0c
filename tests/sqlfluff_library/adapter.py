"""A stand-in for dbt's `adapter` in sqlfluff's Jinja templater (`library_path` in .sqlfluff).

The models call engine-specific SQL through `adapter.dispatch(name, 'lakehouse')`, which dbt
resolves to `<adapter>__<name>`. sqlfluff lints the DuckDB dialect, so this stand-in resolves to
the `duckdb__` implementation (or `default__`) among the macros sqlfluff loaded from macros/.
"""

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context


@pass_context
def dispatch(context: Context, macro_name: str, macro_namespace: str | None = None) -> Any:
    """Return the DuckDB implementation of a dispatched macro, as dbt would on DuckDB."""
    for prefix in ("duckdb__", "default__"):
        macro = context.get(prefix + macro_name)
        if macro is not None:
            return macro
    raise LookupError(f"no duckdb__{macro_name} or default__{macro_name} macro in macros/")
