"""Observability of the running tracker: the Prometheus exposition of collection counters
and structured (JSON) log lines. Both read what the runner already records; nothing here
changes how collection works."""
