"""Opt-out insights: opt-out and opt-in counts per time bucket, in the account's time zone."""
