"""The per-node metrics agent (`python -m colony.metrics_agent`, docs/observability.md)."""
