"""A stand-in for dbt's own macro namespace (`dbt.<macro>`) in sqlfluff's Jinja templater, with
the DuckDB rendering of the cross-database macros the project calls."""


def escape_single_quotes(expression: str) -> str:
    """dbt's escape_single_quotes on DuckDB: a quote doubled."""
    return expression.replace("'", "''")
