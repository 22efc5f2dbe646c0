"""Inbound messages from gateways: keywords and replies that opt their senders out or in, and the
incoming report of every message and what it triggered."""
