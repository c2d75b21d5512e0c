"""Runs the whole generation: stale event files out, users, events, subscriptions, spend, manifest."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from datagen.arrival import SPILL_DIR, ArrivalWriter
from datagen.config import Config, parse_args
from datagen.entities import make_users
from datagen.events import EventStream
from datagen.manifest import Manifest
from datagen.writers import EventWriter, write_spend, write_subscriptions


def generate(cfg: Config) -> dict[str, Any]:
    """Writes the dataset into cfg.out and returns the manifest it wrote."""
    for stale in cfg.out.iterdir():
        if re.fullmatch(r"events(_\d{4})?\.ndjson", stale.name):
            stale.unlink()
    shutil.rmtree(cfg.out / SPILL_DIR, ignore_errors=True)  # left by an interrupted time-ordered run
    seeds = np.random.SeedSequence(cfg.seed).spawn(6)  # spawn(5) of earlier versions: the same first five
    manifest = Manifest()
    users = make_users(cfg, np.random.Generator(np.random.PCG64(seeds[0])))
    stream = EventStream(cfg, users, manifest, seeds[1:3])
    writer: EventWriter | ArrivalWriter
    if cfg.arrival == "time":
        writer = ArrivalWriter(cfg, np.random.Generator(np.random.PCG64(seeds[5])))
    else:
        writer = EventWriter(cfg.out, cfg.events, cfg.batches)
    bars = not cfg.quiet and sys.stderr.isatty()
    with tqdm(total=cfg.events, unit="line", unit_scale=True, desc="events", disable=not bars) as progress:
        try:
            stream.run(writer, progress)
        finally:
            writer.close()
    if isinstance(writer, ArrivalWriter):
        with tqdm(total=writer.k, unit="file", desc="time windows", disable=not bars) as progress:
            writer.deliver(manifest, progress)
    for index, reason, event_id in stream.special_lines:  # the corrupted lines, where they ended up
        where = [writer.locate(index)]
        if event_id:
            manifest.add(reason, lines=where, event_ids=[event_id])
        else:
            manifest.add(reason, lines=where)
    n_subscriptions = write_subscriptions(cfg, users, np.random.Generator(np.random.PCG64(seeds[3])), manifest)
    n_spend = write_spend(cfg, np.random.Generator(np.random.PCG64(seeds[4])), manifest)
    result = manifest.document(
        cfg, event_files=writer.lines_per_file(), base_events=stream.base, quarantined=len(stream.specials),
        type_counts=stream.type_counts.tolist(), users_with_events=int(stream.seen_users.sum()),
        users_with_signup=int(users.signed_up.sum()), subscriptions=n_subscriptions, spend_rows=n_spend,
        arrival=writer.summary() if isinstance(writer, ArrivalWriter) else None)
    (cfg.out / "manifest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv: Sequence[str] | None = None) -> None:
    generate(parse_args(argv))


