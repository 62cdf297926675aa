"""Channels translate between a messenger and the core; no matching or wording lives here."""
