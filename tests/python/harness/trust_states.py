"""The trust data and the states built from it once per session: where states live (TrustEnv),
the generated events plus late versions (TrustData), and the data split into k batch files,
built batch by batch and by one full refresh (BatchedStates)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.batches import Batches, EventLine, late_versions, split_into_batches, write_events
from harness.lake_catalog import LakeServer
from harness.lakehouse import generate
from harness.trust_lakehouse import TrustLakehouse


@dataclass(frozen=True)
class TrustEnv:
    """Where trust-suite states live, and the link and target their dbt runs share. With a
    lake server, each new state is a DuckLake of its own on it (the lake target); with
    `spark`, a Spark warehouse of its own (the spark target)."""

    root: Path
    lake_server: LakeServer | None = None
    spark: bool = False

    def lakehouse(self, name: str) -> TrustLakehouse:
        workdir = self.root / name
        workdir.mkdir()
        if self.lake_server is None:
            return TrustLakehouse(workdir=workdir, raw_root=workdir / "raw", link=self.link,
                                  shared_target=self.root / "dbt_target", spark=self.spark)
        return TrustLakehouse(workdir=workdir, raw_root=workdir / "raw", link=self.link,
                              shared_target=self.root / "dbt_target",
                              lake=self.lake_server.new_lake(workdir), lake_server=self.lake_server)

    @property
    def link(self) -> Path:
        return self.root / "current"


@dataclass(frozen=True)
class TrustData:
    """Generated events (plus late versions of some) and the two side files beside them."""

    source: Path
    lines: tuple[EventLine, ...]

    def lakehouse(self, env: TrustEnv, name: str) -> TrustLakehouse:
        """A new state with this data's subscriptions and spend files and no events file."""
        lh = env.lakehouse(name)
        for side in ("subscriptions.json", "marketing_spend.csv"):
            shutil.copy2(self.source / side, lh.raw_root / side)
        return lh

    @classmethod
    def generated(cls, out: Path, events: int, seed: int) -> TrustData:
        """The generator's events in `out`, followed by late versions of some of them."""
        source = generate(out, events=events, seed=seed)
        lines = [EventLine.parse(x) for x in (source / "events.ndjson").read_bytes().splitlines()]
        return cls(source, tuple(lines + late_versions(lines)))


@dataclass(frozen=True)
class BatchedState:
    batches: Batches
    incremental: TrustLakehouse  # built batch by batch
    full_refresh: TrustLakehouse  # one `--full-refresh` build over the same files
    after_first_batch: TrustLakehouse  # a copy of `incremental` after its first batch
    orphans_after_first_batch: frozenset[str] | None  # refund ids flagged orphan then


class BatchedStates:
    """The trust data split into k files and built both ways, once per k for the session.
    Up to 3 files every batch gets a full build; with more, the batches before the last ingest
    through the incremental events chain only (the other models are tables, rebuilt from
    silver by the last build). The last incremental build runs the data tests too."""

    def __init__(self, data: TrustData, env: TrustEnv) -> None:
        self.data, self.env = data, env
        self.built: dict[int, BatchedState] = {}

    def __call__(self, k: int) -> BatchedState:
        if k not in self.built:
            self.built[k] = self._build(k)
        return self.built[k]

    def _build(self, k: int) -> BatchedState:
        batches = split_into_batches(self.data.lines, k)
        inc = self.data.lakehouse(self.env, f"k{k}_incremental")
        after_first: TrustLakehouse | None = None
        orphans: frozenset[str] | None = None
        for number, lines in enumerate(batches.files, start=1):
            write_events(inc.raw_root, [lines], first=number)
            if k <= 3 or number == k:
                inc.build(data_tests=number == k)
            else:
                inc.build_events_only()
            if number == 1:
                after_first = inc.fork(self.env.root / f"k{k}_after_first_batch")
                if k <= 3:
                    orphans = frozenset(r[0] for r in inc.query(
                        "select event_id from silver.int_revenue_transactions_recognized"
                        " where transaction_type = 'refund' and is_orphan_refund"))
        full = self.env.lakehouse(f"k{k}_full_refresh")
        shutil.rmtree(full.raw_root)
        shutil.copytree(inc.raw_root, full.raw_root)
        full.build("--full-refresh")
        assert after_first is not None
        return BatchedState(batches, inc, full, after_first, orphans)
