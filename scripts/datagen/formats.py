"""How field values are written in the event lines: timestamps, money and ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

Z, NAIVE, OFFSET, OFFSET_COLON, FRACTION = range(5)  # timestamp styles


def money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def amount_fields(cents: int, currency: str | None) -> str:
    """The amount, and the currency unless schema v1 (which has none)."""
    return f', "amount": {money(cents)}' + (f', "currency": "{currency}"' if currency else "")


def format_timestamp(epoch: int, style: int, offset_minutes: int = 0, fraction: str = "") -> str:
    """The instant `epoch` (UTC seconds) written in `style`; offsets shift the wall clock."""
    wall = datetime.fromtimestamp(epoch, UTC) + timedelta(minutes=offset_minutes)
    text = wall.strftime("%Y-%m-%dT%H:%M:%S")
    if style == NAIVE:
        return text.replace("T", " ")
    if style in (OFFSET, OFFSET_COLON):
        sign = "-" if offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(offset_minutes), 60)
        colon = ":" if style == OFFSET_COLON else ""
        return f"{text}{sign}{hours:02d}{colon}{minutes:02d}"
    return f"{text}{fraction}Z"


def event_ids(counters: npt.NDArray[np.uint64], key: np.uint64) -> list[str]:
    """Random-looking, collision-free ids: a bijective 64-bit mix (splitmix64) of a counter."""
    z = counters + key
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return [f"evt_{x:016x}" for x in z.tolist()]


def user_id(index: int) -> str:
    return f"u_{index + 1:06d}"
