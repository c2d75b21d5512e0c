"""The synthetic dataset generator behind scripts/generate_data.py, by job:

- config: the size profile (scaled from the original take-home), Config and the command line;
- formats: how field values are written (timestamps in five styles, money, ids);
- traps: the catalogue of injected traps, their counts at the default size and the manifest
  reason each corrupted line is quarantined for;
- entities: the product catalogue (event types, currencies, channels, plans) and the users
  with their signups;
- events: the event stream, generated chunk by chunk with every event trap spliced in;
- writers: the event file writer (one file or K batch files), subscriptions.json and
  marketing_spend.csv;
- arrival: the other event file writer, time windows with late tails (--arrival time);
- manifest: the per-trap counts and lists, and manifest.json's totals;
- generate: runs the whole generation (`generate(cfg)`) and the `main` entry point.
"""
