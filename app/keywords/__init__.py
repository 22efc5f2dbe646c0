"""Inbound keywords: which reply opts out, opts in or asks for help, and what the account answers."""
