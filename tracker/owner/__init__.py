"""The process that owns the DuckDB file (`tracker run`, `tracker collect`), in parts:

- `lock`: proof of ownership, an OS lock a dead process cannot keep, and who holds it;
- `claim`: becoming the owner (take the lock, open the file read-write with its collectors);
- `daemon`: the scheduled collection jobs (APScheduler);
- `api`: the HTTP API other processes query and track through;
- `background`: serving a WSGI app from a background thread;
- `process`: running as the owner until a signal (daemon, web, owner file, clean stop).

Other commands reach the data through `tracker.client`, never through these modules.
"""
