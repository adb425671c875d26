"""Feeds stage: parse polled feed bytes into entries, canonicalise URLs, schedule the next poll."""
