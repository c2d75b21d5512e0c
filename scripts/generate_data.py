#!/usr/bin/env python3
"""Synthetic take-home dataset: events with every trap, subscriptions, marketing spend.

The default dataset committed in data/ is produced, from the repository root, by exactly:

    .venv/bin/python scripts/generate_data.py --events 14337 --seed 42 --out data

Usage: generate_data.py --events N --seed S --out DIR [--batches K [--arrival stream|time]]
                        [--start YYYY-MM-DD] [--quiet]

Writes into DIR:
- events.ndjson, or with --batches K the files events_0001.ndjson ... events_000K.ndjson
  (their concatenation equals events.ndjson for the same seed, byte for byte). Exactly N lines.
  With --arrival time the K files are time windows instead, like hourly deliveries: each holds
  the events of its window plus a late tail (held-back events, re-sent duplicates, corrections,
  refunds whose purchase is in another file); every line of events.ndjson is in exactly one
  file, plus the re-sent and corrected lines (scripts/datagen/arrival.py says how).
- subscriptions.json: a JSON array, "[" on the first line, one compact object per line,
  "]" on the last line.
- marketing_spend.csv: header `date,channel,spend`.
- manifest.json: every injected trap with its count and event_ids, line numbers
  ({file, line}, 1-based, per file) or subscription_ids; lists stop at LIST_CAP entries
  ("truncated": true) while counts stay exact. Also the totals.
  With --arrival time it also has "arrival": each file's window, its late lines and counts.
Stale events.ndjson / events_NNNN.ndjson files already in DIR are removed first.

Field conventions: amounts are JSON numbers with two decimals, priced locally (NGN amounts
are in the thousands); schema v1 purchases and refunds have no currency key; only v2+
purchases carry tax; `page` (on some page_views) belongs to the original data and is not
counted as an unknown field; null appears only as user_id (a trap) and as a subscription's
end_date. Manifest counts of event traps are distinct event_ids; canceled_without_end_date
also counts the canceled record of every duplicate_subscription_id.

Same arguments give byte-identical files (numpy Generator streams: pin the numpy version).
Events are generated in fixed-size chunks with vectorised draws and written as they go;
memory holds one chunk, a bounded pool of recent purchases, the pending duplicate copies
and per-user arrays (a few bytes per user), so it stays flat as N grows.

This file is the command line only; the generator is the package scripts/datagen/ (its
__init__ lists the modules).
"""

from __future__ import annotations

from datagen.generate import main

if __name__ == "__main__":
    main()
