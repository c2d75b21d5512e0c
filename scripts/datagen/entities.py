"""The world the data describes: event types, currencies and prices, acquisition channels,
and the users with their signups (who signs up when, through which channel, and twice)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from datagen.config import Config
from datagen.formats import amount_fields
from datagen.traps import CHANNEL_SPELLINGS, QUOTAS_AT_DEFAULT

EVENT_TYPES = ("login", "page_view", "purchase", "refund", "signup",
               "trial_start", "trial_convert", "cancel")
LOGIN, PAGE_VIEW, PURCHASE, REFUND, SIGNUP, TRIAL_START, TRIAL_CONVERT, CANCEL = range(8)

CURRENCIES = ("USD", "EUR", "NGN")
CURRENCY_P = (0.60, 0.22, 0.18)
PRICES_CENTS = {  # one catalogue, priced locally
    "USD": (499, 999, 1999, 2999, 4999, 9999),
    "EUR": (449, 899, 1799, 2699, 4499, 8999),
    "NGN": (750_000, 1_500_000, 3_000_000, 4_500_000, 7_500_000, 15_000_000),
}
TAX_RATE = {"USD": 0.08, "EUR": 0.20, "NGN": 0.075}
TAX_SHARE = 0.3  # v2+ purchases carrying tax

CHANNELS = ("Google", "Facebook", "TikTok", "Influencer", "Organic", "Referral")
CHANNEL_P = (0.30, 0.24, 0.14, 0.10, 0.14, 0.08)
PAID_CHANNELS = CHANNELS[:4]
SIGNUP_SHARE = 0.25  # of users; the others predate the data

Int64s = npt.NDArray[np.int64]


# --- users and signups ---------------------------------------------------------------------------
@dataclass
class Users:
    first_seen: Int64s  # earliest instant a user acts: the data's start, or their signup
    cdf: npt.NDArray[np.float64]  # who acts: weight proportional to the user's active span
    signed_up: npt.NDArray[np.bool_]
    # signup events in the order they are placed in the stream
    signup_user: Int64s
    signup_ts: Int64s
    signup_channel: list[str]
    signup_second: list[bool]  # the second signup of a user who signed up twice
    signup_spelled: list[bool]  # channel written in a non-canonical spelling


def make_users(cfg: Config, rng: np.random.Generator) -> Users:
    n = cfg.users
    first_seen = np.full(n, cfg.t0, dtype=np.int64)
    n_signed = round(SIGNUP_SHARE * n)
    signed = rng.choice(n, n_signed, replace=False)
    signup_ts = cfg.t0 + rng.integers(0, cfg.t1 - cfg.t0 - 3600, n_signed)
    first_seen[signed] = signup_ts
    span = (cfg.t1 - first_seen).astype(np.float64)
    channel = rng.choice(len(CHANNELS), n_signed, p=CHANNEL_P)
    spelled = np.zeros(n_signed, dtype=np.bool_)
    n_spelled = cfg.count(QUOTAS_AT_DEFAULT["channel_spellings"])
    for c in range(len(CHANNELS)):  # spread over every channel
        candidates = np.flatnonzero(channel == c)
        wanted = len(range(c, n_spelled, len(CHANNELS)))
        spelled[rng.choice(candidates, min(wanted, len(candidates)), replace=False)] = True
    texts = [rng.choice(CHANNEL_SPELLINGS[CHANNELS[c]]) if s else CHANNELS[c]
             for c, s in zip(channel.tolist(), spelled.tolist())]
    # users who sign up twice: a second, later signup through another channel
    twice = rng.choice(n_signed, cfg.count(QUOTAS_AT_DEFAULT["double_signups"]), replace=False)
    again_ts = signup_ts[twice] + rng.integers(3600, cfg.t1 - signup_ts[twice])
    again = [CHANNELS[(c + 1 + int(rng.integers(len(CHANNELS) - 1))) % len(CHANNELS)]
             for c in channel[twice].tolist()]
    order = rng.permutation(n_signed + len(twice))  # the order signups are placed in the stream
    texts += again
    second = [False] * n_signed + [True] * len(twice)
    spelled_all = spelled.tolist() + [False] * len(twice)
    signed_mask = np.zeros(n, dtype=np.bool_)
    signed_mask[signed] = True
    return Users(
        first_seen=first_seen, cdf=np.cumsum(span) / span.sum(), signed_up=signed_mask,
        signup_user=np.concatenate([signed, signed[twice]])[order],
        signup_ts=np.concatenate([signup_ts, again_ts])[order],
        signup_channel=[str(texts[i]) for i in order.tolist()],
        signup_second=[second[i] for i in order.tolist()],
        signup_spelled=[spelled_all[i] for i in order.tolist()],
    )


# --- what a money event carries -----------------------------------------------------------------
@dataclass
class Purchase:
    event_id: str
    ts: int
    user: int
    cents: int
    currency: str | None  # None for schema v1 (USD by contract)


@dataclass
class Amount:
    """An amount event's money fields, as written in its line."""
    cents: int
    currency: str | None

    @property
    def text(self) -> str:
        return amount_fields(self.cents, self.currency)

