"""Per-recipient opt-out links (issue 9)."""
