"""How a command reaches the data: `connect(config)` returns one handle with the same methods
whether `tracker run` owns the DuckDB file (then every call goes through its HTTP API) or
nothing does (then the handle opens the file itself: read-only for reads, read-write as the
owner for tracking). Commands never ask which; `tracker sql` works while the daemon runs.

    with connect(config) as db:
        db.sql("select ...")                 # one read-only statement -> Polars frame
        db.named("most_popular", win=...)    # a canned sql/queries file
        db.track([url]); db.untrack([url])   # -> [Tracked], rows changed
        db.state                             # "idle" or who owns the file, for messages
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol

import httpx
import polars as pl

from tracker import canned, errors, query, registry
from tracker.config import Config
from tracker.errors import QueryError, StorageError, StoreBusy, TrackerError
from tracker.owner import lock
from tracker.service import TRACK_BATCH, Tracked, TrackProgress
from tracker.store import Store

# How long a command waits for an owner that holds the file without an API (starting, stopping,
# or a one-shot `tracker track`) before saying who holds it.
WAIT_FOR_OWNER_S = 15.0

# The owner's API names the error class; the same one is raised here as a local call would
# (collector errors never reach the API, and their constructors take more than a message).
_ERRORS: dict[str, type[TrackerError]] = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, TrackerError) and not issubclass(cls, errors.CollectorError)
}


class Handle(Protocol):
    """What every command uses; LocalHandle and RemoteHandle both provide it."""

    @property
    def state(self) -> str: ...

    def sql(self, text: str) -> pl.DataFrame: ...

    def named(self, name: str, **params: Any) -> pl.DataFrame: ...

    def query(self, name: str, given: Mapping[str, str]) -> pl.DataFrame: ...

    def track(self, urls: Sequence[str], progress: TrackProgress | None = None) -> list[Tracked]: ...

    def untrack(self, urls: Sequence[str]) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> Handle: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _Closing:
    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class LocalHandle(_Closing):
    """Nothing owns the file: open it here, read-only until something must be written."""

    state = "idle"

    def __init__(
        self,
        config: Config,
        environ: Mapping[str, str] | None = None,
        platforms: Mapping[str, registry.Platform] | None = None,
    ) -> None:
        self.config = config
        self._environ = environ
        self._platforms = platforms
        self._reader: Store | None = None

    def _read_store(self) -> Store:
        if self._reader is None:
            if not self.config.db_path.exists():
                raise StorageError(
                    f"no database at {self.config.db_path}; run `tracker init` (or `tracker demo`) first"
                )
            self._reader = Store.open(self.config.db_path, read_only=True)
        return self._reader

    def sql(self, text: str) -> pl.DataFrame:
        return query.run(self._read_store(), text, self.config.storage.query_timeout_s)

    def named(self, name: str, **params: Any) -> pl.DataFrame:
        return self._read_store().named(name, **params)

    def query(self, name: str, given: Mapping[str, str]) -> pl.DataFrame:
        """A canned query with string parameters, checked against its header (tracker.canned)."""
        file, params = canned.bind(name, given)
        return self._read_store().df(file.text, params)

    def track(self, urls: Sequence[str], progress: TrackProgress | None = None) -> list[Tracked]:
        from tracker import service

        with self._writing() as owned:
            return service.track(owned.opened, list(urls), progress)

    def untrack(self, urls: Sequence[str]) -> int:
        from tracker import service

        with self._writing() as owned:
            return service.untrack(owned.opened, list(urls))

    def _writing(self) -> Any:
        """Own the file for one change; a read-only connection cannot stay open beside it."""
        from tracker.owner.claim import own

        self.close()
        return own(self.config, "track", environ=self._environ, platforms=self._platforms)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class RemoteHandle(_Closing):
    """`tracker run` owns the file: every call is a request to its API on this machine."""

    def __init__(self, owner: lock.Owner, url: str, timeout_s: float) -> None:
        self.owner = owner
        self.url = url
        self.timeout_s = timeout_s

    @property
    def state(self) -> str:
        return f"owned by {self.owner.describe()}"

    def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        try:
            response = httpx.post(f"{self.url}{path}", json=payload, timeout=self.timeout_s + 5)
        except httpx.HTTPError as exc:
            raise TrackerError(
                f"the running tracker at {self.url} did not answer ({type(exc).__name__})"
            ) from None
        if response.status_code != 200:
            try:
                answer = response.json()
                message, kind = str(answer.get("error", response.text)), str(answer.get("kind", ""))
            except (ValueError, AttributeError):
                message, kind = response.text[:200], ""
            raise _ERRORS.get(kind, QueryError)(message)
        return response

    def sql(self, text: str) -> pl.DataFrame:
        return pl.read_ipc_stream(self._post("/api/sql", {"sql": text}).content)

    def named(self, name: str, **params: Any) -> pl.DataFrame:
        return pl.read_ipc_stream(self._post("/api/named", {"name": name, "params": params}).content)

    def query(self, name: str, given: Mapping[str, str]) -> pl.DataFrame:
        payload = {"name": name, "params": dict(given)}
        return pl.read_ipc_stream(self._post("/api/query", payload).content)

    def track(self, urls: Sequence[str], progress: TrackProgress | None = None) -> list[Tracked]:
        """One request per TRACK_BATCH URLs (the owner writes each in one transaction)."""
        done: list[Tracked] = []
        for start in range(0, len(urls), TRACK_BATCH):
            batch = list(urls[start : start + TRACK_BATCH])
            rows = self._post("/api/track", {"urls": batch}).json()["tracked"]
            done.extend(Tracked(**row) for row in rows)
            if progress is not None:
                progress(len(done), len(urls))
        return done

    def untrack(self, urls: Sequence[str]) -> int:
        return int(self._post("/api/untrack", {"urls": list(urls)}).json()["changed"])

    def close(self) -> None:
        pass


def connect(
    config: Config,
    environ: Mapping[str, str] | None = None,
    platforms: Mapping[str, registry.Platform] | None = None,
    wait_s: float = WAIT_FOR_OWNER_S,
) -> Handle:
    """A handle on `config.db_path`: through its live owner's API, or on the file itself.

    An owner that holds the file without an API yet (starting, stopping, or a one-shot write)
    is waited for up to `wait_s`; then StoreBusy names it.
    """
    deadline = time.monotonic() + wait_s
    while True:
        owner = lock.current(config.db_path)
        if owner is None:
            return LocalHandle(config, environ, platforms)
        if owner.url is not None:
            return RemoteHandle(owner, owner.url, config.storage.query_timeout_s)
        if time.monotonic() >= deadline:
            raise StoreBusy(
                f"{owner.describe()} holds {config.db_path} and serves no API; try again when it has finished"
            )
        time.sleep(0.1)
