"""Fixtures for tests/python: the harness lives in harness.py and trust_harness.py."""

from harness import lakehouse  # noqa: F401  (fixture)
from trust_harness import batched_states, trust_data, trust_env  # noqa: F401  (fixtures)
