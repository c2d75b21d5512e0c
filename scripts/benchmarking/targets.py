"""The issues' targets, judged on the figures of one run (every ratio from the same run).

Issue 14 (the full build), in either arrival mode, at each size but the fixed-cost one:
full_tests within 12x of the floor (stretch 8x), full_models within 8x (stretch 5x), each
beside dbt's fixed cost for the same step (that step at the fixed-cost size) and the ratio net
of it ((step - fixed) / floor); peak memory of the full builds under 3 GB.

Issue 13 (incremental runs), judged in time arrival only; stream arrival prints the same
figures for comparison:
- hourly at most the same step at the fixed-cost size + 2 s;
- incr_1pct at most 10% of full_tests (net of the fixed cost: (incr - fixed incr) /
  (full_tests - fixed full_tests));
- history independence: the hourly batch at a size 10x another is as large as that smaller
  size's +1% batch (0.1% of 10 N = 1% of N), so it may cost at most 1.3x as much;
- noop within 2x startup (`dbt parse`); peak memory of every step under 4 GB.
The issues set these at 10M (issue 13: 1M and 10M); they are checked at every size measured.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarking.steps import GB, SizeRun, Step

FULL_TARGETS = {"full_tests": (12.0, 8.0), "full_models": (8.0, 5.0)}  # x floor: target, stretch
FULL_PEAK_GB = 3.0
HOURLY_SLACK_S = 2.0
INCR_SHARE = 0.10
HISTORY_GROWTH, HISTORY_RATIO = 10, 1.3
NOOP_RATIO = 2.0
PEAK_GB = 4.0


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def verdict(passed: bool, steps: list[Step], judged: bool = True) -> str:
    broken = [s.name for s in steps if not s.completed]
    if broken:
        return f"NOT MEASURED ({', '.join(broken)} did not complete)"
    if not judged:
        return "figure only"
    return "PASS" if passed else "FAIL"


class Judge:
    """The targets of one arrival mode; `fixed` holds the steps of the fixed-cost size."""

    def __init__(self, runs: dict[int, SizeRun], fixed_size: int | None, time_arrival: bool) -> None:
        self.runs, self.fixed_size, self.time_arrival = runs, fixed_size, time_arrival
        fixed = runs[fixed_size].steps if fixed_size in runs else {}
        self.fixed = {name: step for name, step in fixed.items() if step.completed}  # references

    def sizes(self) -> list[int]:
        return [size for size in self.runs if size != self.fixed_size]

    def fixed_cost(self, step: Step, net: Callable[[float], str]) -> str:
        """The same step at the fixed-cost size, and what the rest of this step amounts to."""
        if step.name not in self.fixed:
            return "; no complete step at the fixed-cost size to compare"
        fixed_s = self.fixed[step.name].wall_s
        at = human(self.fixed_size or 0)
        rest = net(step.wall_s - fixed_s) if step.wall_s > fixed_s else f"nothing (it took as long at {at}: noise)"
        return f"; dbt's fixed cost (the step at {at}) {fixed_s:.1f} s, net of it {rest}"

    def full_build(self) -> list[str]:
        """Issue 14, judged in either arrival mode."""
        bullets = []
        for size in self.sizes():
            by, label = self.runs[size].steps, human(size)
            floor = by["floor"].wall_s
            for name, (target, stretch) in FULL_TARGETS.items():
                step = by[name]
                ratio = step.wall_s / floor
                judged = verdict(ratio <= target, [by["floor"], step])
                if judged == "PASS":
                    judged += f" (stretch {'PASS' if ratio <= stretch else 'FAIL'})"
                detail = self.fixed_cost(step, lambda net_s: f"{net_s / floor:.1f}x")
                bullets.append(f"- {label}: {judged}: {name} within {target:.0f}x of the floor, stretch "
                               f"{stretch:.0f}x: {ratio:.1f}x ({step.wall_s:.1f} s, floor {floor:.2f} s){detail}")
            builds = [by[n] for n in ("floor", "full_models", "full_tests")]
            peak = max(s.peak_rss_bytes for s in builds) / GB
            bullets.append(f"- {label}: {verdict(peak < FULL_PEAK_GB, builds)}: peak memory of the full "
                           f"builds under {FULL_PEAK_GB:.0f} GB: {peak:.2f} GB")
        return bullets

    def incremental(self) -> list[str]:
        """Issue 13, judged in time arrival only (else the figures, for comparison)."""
        bullets = []
        for size in self.sizes():
            by, label = self.runs[size].steps, human(size)

            def check(passed: bool, steps: list[Step], text: str) -> None:
                bullets.append(f"- {label}: {verdict(passed, steps, self.time_arrival)}: {text}")

            hourly, incr, full_tests = by["hourly"], by["incr_1pct"], by["full_tests"]
            if "hourly" in self.fixed:
                fixed_s = self.fixed["hourly"].wall_s
                check(hourly.wall_s <= fixed_s + HOURLY_SLACK_S, [hourly],
                      f"hourly batch ({hourly.lines:,} lines) at most the same step at "
                      f"{human(self.fixed_size or 0)} + {HOURLY_SLACK_S:.0f} s: {hourly.wall_s:.1f} s, "
                      f"budget {fixed_s:.1f} + {HOURLY_SLACK_S:.0f} = {fixed_s + HOURLY_SLACK_S:.1f} s")
            else:
                bullets.append(f"- {label}: NOT MEASURED (no complete hourly step at the fixed-cost size): "
                               f"hourly batch ({hourly.lines:,} lines) {hourly.wall_s:.1f} s")
            share = incr.wall_s / full_tests.wall_s

            def of_full_net(net_s: float) -> str:
                full_net = full_tests.wall_s - self.fixed["full_tests"].wall_s if "full_tests" in self.fixed else 0
                if full_net <= 0:
                    return f"{net_s:.1f} s (full_tests has no net time to compare)"
                return f"{net_s / full_net:.0%} of full_tests' net time"

            detail = self.fixed_cost(incr, of_full_net)
            check(share <= INCR_SHARE, [incr, full_tests],
                  f"+1% batch ({incr.lines:,} lines) within {INCR_SHARE:.0%} of full_tests: {share:.0%} "
                  f"({incr.wall_s:.1f} s of {full_tests.wall_s:.1f} s){detail}")
            smaller = self.runs.get(size // HISTORY_GROWTH) if size % HISTORY_GROWTH == 0 else None
            if smaller is not None:
                base, base_label = smaller.steps["incr_1pct"], human(size // HISTORY_GROWTH)
                ratio = hourly.wall_s / base.wall_s
                check(ratio <= HISTORY_RATIO, [hourly, base],
                      f"history independence, the same batch at {HISTORY_GROWTH}x the history costs at most "
                      f"{HISTORY_RATIO}x as much: the hourly batch at {label} ({hourly.lines:,} lines) "
                      f"{hourly.wall_s:.1f} s against the +1% batch at {base_label} ({base.lines:,} lines; "
                      f"0.1% of {label} is 1% of {base_label}) {base.wall_s:.1f} s: {ratio:.2f}x")
            noop, startup = by["noop"], by["startup"]
            check(noop.wall_s <= NOOP_RATIO * startup.wall_s, [noop, startup],
                  f"no-op within {NOOP_RATIO:.0f}x `dbt parse`: {noop.wall_s / startup.wall_s:.1f}x "
                  f"({noop.wall_s:.1f} s, parse {startup.wall_s:.1f} s)")
            peak = max(s.peak_rss_bytes for s in by.values()) / GB
            check(peak < PEAK_GB, list(by.values()), f"peak memory of every step under {PEAK_GB:.0f} GB: {peak:.2f} GB")
        return bullets
