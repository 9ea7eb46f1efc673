"""Utilities beyond the core API (scheduling strategies)."""
