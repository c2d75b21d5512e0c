"""Fixtures for tests/python. They only wire the harness package (see harness/__init__.py)
into pytest: the helpers they build on live there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lake_catalog import REQUIRED_ENV, LakeServer, LakeUnavailable
from harness.lakehouse import PROJECT_DIR, Lakehouse
from harness.trust_states import BatchedStates, TrustData, TrustEnv

# make test runs two pytest-xdist workers with --dist loadfile: each module's tests run on
# one worker, so a module's own expensive fixtures (session-scoped: a module-scoped one is torn
# down whenever the worker runs another module's test in between) are built once, and the
# lake's catalog server is started by one worker. A session fixture that several modules use
# (bundled, trust_data) is built at most once per worker. (--dist loadgroup would share those
# too, but pytest-xdist 3.8 marks its groups by renaming the test's nodeid, which pytest 9
# ignores: every test then went to any worker.)


# The longest module first: --dist loadfile hands modules out in collection order, so the one
# that needs ten minutes on one worker starts while the other worker takes the rest, instead
# of starting last and running alone.
LONGEST_MODULES = ("test_spark_target.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONGEST_MODULES)


@pytest.fixture
def lakehouse(tmp_path: Path) -> Lakehouse:
    """An empty state of its own, raw files in tmp_path/raw."""
    raw = tmp_path / "raw"
    raw.mkdir()
    return Lakehouse(workdir=tmp_path, raw_root=raw)


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Lakehouse:
    """One lakehouse built from the committed data/ (read in place), shared by the tests that
    only read it (the metrics report, the README's commands and figures)."""
    lakehouse = Lakehouse(workdir=tmp_path_factory.mktemp("bundled"), raw_root=PROJECT_DIR / "data")
    lakehouse.build()
    return lakehouse


@pytest.fixture(scope="session")
def trust_env(tmp_path_factory: pytest.TempPathFactory) -> TrustEnv:
    return TrustEnv(tmp_path_factory.mktemp("trust"))


@pytest.fixture(scope="session")
def trust_data(tmp_path_factory: pytest.TempPathFactory) -> TrustData:
    return TrustData.generated(tmp_path_factory.mktemp("trust_gen"), events=3000, seed=5)


@pytest.fixture(scope="session")
def batched_states(trust_data: TrustData, trust_env: TrustEnv) -> BatchedStates:
    return BatchedStates(trust_data, trust_env)


@pytest.fixture(scope="session")
def lake_server() -> Iterator[LakeServer]:
    """The lake target's catalog server for the session (started if it is not running, and
    then stopped at the end); the lake tests skip on a machine that cannot run one, unless
    LAKE_TESTS_REQUIRED is set (CI)."""
    try:
        server = LakeServer.start()
    except LakeUnavailable as missing:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"lake tests required ({REQUIRED_ENV}), but {missing}")
        pytest.skip(f"lake target not testable here: {missing}")
    yield server
    server.close()


@pytest.fixture(scope="session")
def lake_trust_env(tmp_path_factory: pytest.TempPathFactory, lake_server: LakeServer) -> TrustEnv:
    return TrustEnv(tmp_path_factory.mktemp("trust_lake"), lake_server)


@pytest.fixture(scope="session")
def lake_batched_states(trust_data: TrustData, lake_trust_env: TrustEnv) -> BatchedStates:
    """The trust data's batch-by-batch states, on the lake target."""
    return BatchedStates(trust_data, lake_trust_env)
