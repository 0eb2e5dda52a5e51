"""`tracker track` with many URLs, as a person pastes them: the good ones are tracked, each bad
one is reported on its own line without echoing a password, and the exit status says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.store import Store

PASSWORD = "hunter2-" + "s3cr3t"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "track.duckdb"
    Store.open(path).close()
    return path


def _articles(db: Path) -> list[str]:
    with Store.open(db, read_only=True) as store:
        return sorted(r[0] for r in store.cursor().execute("select url from articles").fetchall())


BAD = {
    "gopher://example.org/x": "not an http(s) URL",
    "http://2130706433/": "loopback address",
    "http://[::1]/admin": "loopback address",
    "http://169.254.169.254/latest/meta-data/": "link-local address",
    "http://localhost:8080/x": "local name",
    f"https://editor:{PASSWORD}@news.example.com/a/secret": "user name or password refused",
    "https://news.example.com/a\r\nSet-Cookie: x=1": "control characters",
    "https://news.example.com/" + "a" * 3000: "longer than 2048",
}


def test_good_urls_are_tracked_and_each_bad_one_is_its_own_line(db):
    good = ["https://news.example.com/2026/good-one", "https://other.example.org/story/?id=7"]
    result = CliRunner().invoke(main, ["--db", str(db), "track", good[0], *BAD, good[1]])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(BAD)
    for line, needle in zip(errors, BAD.values(), strict=True):
        assert needle in line
    assert PASSWORD not in result.output and "***@news.example.com" in result.output
    assert "\r" not in result.output
    assert _articles(db) == [
        "https://news.example.com/2026/good-one/",
        "https://other.example.org/story/?id=7",
    ]


def test_all_good_exits_zero(db):
    result = CliRunner().invoke(main, ["--db", str(db), "track", "https://news.example.com/b/"])
    assert result.exit_code == 0 and "now tracking: article" in result.output


def test_a_loopback_article_is_accepted_on_a_site_that_allows_it(tmp_path, db):
    config = tmp_path / "tracker.toml"
    config.write_text(
        f'[storage]\npath = "{db}"\n\n[[sites]]\nname = "Lab"\nurl = "http://127.0.0.1:8081"\nallow_private = true\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config), "track", "http://127.0.0.1:8081/a/1"])
    assert result.exit_code == 0, result.output
    assert _articles(db) == ["http://127.0.0.1:8081/a/1/"]


def test_invalid_utf8_argument_is_one_line_not_a_traceback(db):
    executable = Path(sys.executable).with_name("tracker")
    argv = [
        os.fsencode(str(executable)),
        b"--db",
        os.fsencode(str(db)),
        b"track",
        b"https://news.example.com/\xff\xfe",
    ]
    done = subprocess.run(argv, capture_output=True, timeout=120)
    assert done.returncode == 1
    err = done.stderr.decode("utf-8", "replace").strip()
    assert err.count("\n") == 0 and "not valid UTF-8" in err and "Traceback" not in err
    assert _articles(db) == []
