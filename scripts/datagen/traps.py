"""The catalogue of injected traps: how many of each at the default size, how they look, and
under which manifest key (and quarantine reason) the pipeline must find them."""

from __future__ import annotations

DUP_ID_SHARE = 0.0147  # repeated event_ids per line (~1.5% of event_ids)
DUP_CONFLICTING_SHARE = 1 / 3
DUP_EXTRA_COPIES_P = (0.80, 0.15, 0.05)  # 1, 2 or 3 copies besides the first version
REFUND_BEFORE_EVERY, ORPHAN_EVERY, NEGATIVE_REFUND_EVERY = 16, 33, 33  # ~6%, ~3%, ~3%

# Per-trap counts at the default size; scaled linearly with N (at least 1).
SPECIALS_AT_DEFAULT = {  # standalone lines the pipeline must quarantine
    "truncated_json": 1, "plain_text": 1, "missing_user_key": 1, "null_user_id": 1,
    "amount_ten": 1, "negative_purchase": 3, "year_2099": 1,
}
SPECIAL_REASON = {
    "truncated_json": "invalid_json", "plain_text": "invalid_json",
    "missing_user_key": "missing_user_id", "null_user_id": "missing_user_id",
    "amount_ten": "invalid_amount", "negative_purchase": "negative_amount",
    "year_2099": "timestamp_out_of_range",
}
PLAIN_TEXT_LINES = ("ERROR 502 Bad Gateway: upstream export timed out",
                    "--- export resumed after connection reset ---")
QUOTAS_AT_DEFAULT = {
    "offset_hhmm": 29, "offset_colon": 6, "fractional": 6, "unknown_fields": 6,
    "future_schema_version": 5, "trial_start": 25, "trial_convert": 12, "cancel": 10,
    "channel_spellings": 6, "double_signups": 2,
    "overlapping_subscriptions": 3, "reactivations": 3, "canceled_without_end_date": 4,
    "active_with_end_date": 4, "duplicate_subscription_ids": 3,
}
UNKNOWN_FIELDS = (', "device": "ios"', ', "app_version": "5.2.1"',
                  ', "utm_campaign": "winter_sale"', ', "ip_country": "NG"')
CHANNEL_SPELLINGS = {  # case/spacing variants; strip().lower() maps each to its channel
    "Google": ("google", " Google", "GOOGLE"), "Facebook": (" Facebook ", "facebook"),
    "TikTok": ("TIKTOK", "tiktok", "Tiktok"), "Influencer": ("influencer", "Influencer "),
    "Organic": ("organic", "ORGANIC"), "Referral": ("referral ", "REFERRAL"),
}

TRAPS: dict[str, tuple[str, ...]] = {  # manifest key -> the lists it carries
    "invalid_json": ("lines",),
    "missing_user_id": ("lines", "event_ids"),
    "invalid_amount": ("lines", "event_ids"),
    "negative_amount": ("lines", "event_ids"),
    "timestamp_out_of_range": ("lines", "event_ids"),
    "exact_duplicates": ("event_ids",),
    "conflicting_duplicates": ("event_ids",),
    "refunds_before_purchase": ("event_ids",),
    "orphan_refunds": ("event_ids",),
    "negative_refunds": ("event_ids",),
    "offset_timestamps": ("event_ids",),
    "naive_timestamps": ("event_ids",),
    "fractional_timestamps": ("event_ids",),
    "unknown_fields": ("event_ids",),
    "future_schema_version": ("event_ids",),
    "double_signups": ("user_ids", "event_ids"),
    "channel_spellings": ("event_ids", "values"),
    "duplicate_subscription_ids": ("subscription_ids",),
    "canceled_without_end_date": ("subscription_ids",),
    "active_with_end_date": ("subscription_ids",),
    "overlapping_subscriptions": ("user_ids", "subscription_ids"),
    "reactivations": ("user_ids", "subscription_ids"),
    "spend_duplicate_rows": ("lines",),
    "spend_negative_rows": ("lines",),
    "spend_missing_days": ("rows",),
}
