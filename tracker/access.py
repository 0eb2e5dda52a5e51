"""How a command reaches the data: through the running `tracker run` process when one owns
the DuckDB file, or by opening the file itself when none does. Either way the caller gets
the same answers, so `tracker sql` works while the daemon runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import polars as pl

from tracker import owner, query
from tracker.errors import QueryError, StorageError, TrackerError
from tracker.store import Store


class Reader(Protocol):
    where: str

    def sql(self, text: str) -> pl.DataFrame: ...

    def named(self, name: str, **params: Any) -> pl.DataFrame: ...

    def close(self) -> None: ...


@dataclass
class LocalReader:
    store: Store
    timeout_s: float
    where: str = "file"

    def sql(self, text: str) -> pl.DataFrame:
        return query.run(self.store, text, self.timeout_s)

    def named(self, name: str, **params: Any) -> pl.DataFrame:
        return self.store.named(name, **params)

    def close(self) -> None:
        self.store.close()


@dataclass
class RemoteReader:
    url: str
    timeout_s: float
    where: str = "daemon"

    def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        try:
            response = httpx.post(f"{self.url}{path}", json=payload, timeout=self.timeout_s + 5)
        except httpx.HTTPError as exc:
            raise TrackerError(
                f"the running tracker at {self.url} did not answer ({type(exc).__name__})"
            ) from None
        if response.status_code != 200:
            try:
                message = response.json().get("error", response.text)
            except ValueError:
                message = response.text[:200]
            raise QueryError(str(message))
        return response

    def sql(self, text: str) -> pl.DataFrame:
        return pl.read_ipc_stream(self._post("/api/sql", {"sql": text}).content)

    def named(self, name: str, **params: Any) -> pl.DataFrame:
        return pl.read_ipc_stream(self._post("/api/named", {"name": name, "params": params}).content)

    def post_json(self, path: str, payload: dict[str, Any]) -> Any:
        return self._post(path, payload).json()

    def close(self) -> None:
        pass


def reader(db_path: Path, timeout_s: float = 30.0) -> LocalReader | RemoteReader:
    """Go through the owner if one runs, else open the file read-only."""
    live = owner.current(db_path)
    if live is not None:
        return RemoteReader(live.url, timeout_s)
    if not db_path.exists():
        raise StorageError(f"no database at {db_path}; run `tracker init` (or `tracker demo`) first")
    return LocalReader(Store.open(db_path, read_only=True), timeout_s)
