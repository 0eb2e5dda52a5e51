"""One module per platform, each behind the contract in `tracker.collector`.

A platform module turns HTTP answers into records (`Sample`, `Gone`, `Discovery`) and does
nothing else: no sleeping, no environment reads, no storage, no client construction. Rate
limits, retries, redaction and logging live at the HTTP seam (`tracker.http`,
`tracker.ratelimit`); scheduling lives in `tracker.owner.daemon`.
"""
