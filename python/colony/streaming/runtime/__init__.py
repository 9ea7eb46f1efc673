"""The streaming runtime: operator actors, channels, the coordinator (docs/streaming.md)."""
