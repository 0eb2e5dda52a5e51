"""Every timestamp leaves the store in UTC whatever the host's zone: each thread's cursor is
a connection of its own, so the zone must be set for the whole database, not one connection."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def test_cursors_and_exports_are_utc_on_a_host_in_new_york(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        from tracker.store import Store
        with Store.open({str(tmp_path / "tz.duckdb")!r}) as store:
            print(store.cursor().execute("select current_setting('TimeZone')").fetchall()[0][0])
            print(store.new_cursor().sql("select now() as t").pl().schema["t"].time_zone)
            print(store.df("select now() as t").schema["t"].time_zone)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "America/New_York"},
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["UTC", "UTC", "UTC"]
