"""Webhook endpoints and their signed, at-least-once deliveries (Standard Webhooks)."""
