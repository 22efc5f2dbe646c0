"""SMS texts: their encoding and parts (segments.py)."""
