"""`tracker track` in bulk: thousands of URLs from arguments, a file or stdin, written one
transaction per batch (tracker.service.TRACK_BATCH), each bad URL reported on its own line,
a non-zero exit when any failed, progress on long lists, and the same answers through the
owner's API (one request per batch) as on the file itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.client import connect
from tracker.service import TRACK_BATCH
from tracker.store import Store

from .test_client import _config, config, served  # noqa: F401  (the in-process owner fixtures)

PASSWORD = "pa55-" + "word"


def _urls(count: int, host: str = "news.example.com") -> list[str]:
    return [f"https://{host}/2026/12/bulk-{i}/?utm_source=list" for i in range(count)]


def _stored(db: Path) -> int:
    with Store.open(db, read_only=True) as store:
        return int(store.cursor().execute("select count(*) from tracked_articles").fetchone()[0])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "bulk.duckdb"
    Store.open(path).close()
    return path


def test_a_long_list_from_stdin_is_tracked_with_progress_and_each_bad_line_reported(db):
    good = _urls(TRACK_BATCH * 2 + 300)
    bad = ["gopher://example.org/x", f"https://editor:{PASSWORD}@news.example.com/a", "http://127.0.0.1/x"]
    listing = [
        "# pasted from the newsletter",
        *good[:700],
        bad[0],
        "",
        *good[700:1500],
        bad[1],
        good[3],  # the same article again
        *good[1500:],
        bad[2],
    ]
    result = CliRunner().invoke(
        main, ["--db", str(db), "track", "--from-file", "-"], input="\n".join(listing)
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3
    assert "not an http(s) URL" in errors[0] and "user name or password refused" in errors[1]
    assert "loopback address" in errors[2]
    assert PASSWORD not in result.output and PASSWORD not in result.stderr
    given = len(good) + len(bad) + 1
    progress = [line for line in result.stderr.splitlines() if line.startswith("tracked ")]
    assert progress == [f"tracked {n:,} of {given:,} URLs" for n in (1_000, 2_000, given)]
    assert f"{given:,} URLs: {len(good):,} now tracked, 1 already tracked, 3 failed" in result.stderr
    assert result.stdout.count("now tracking: article") == len(good)
    assert result.stdout.count("already tracked: article") == 1
    assert _stored(db) == len(good)


def test_arguments_and_a_file_together_and_a_second_run_changes_nothing(db, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(_urls(50)) + "\n")
    extra = "https://other.example.org/story/"
    first = CliRunner().invoke(main, ["--db", str(db), "track", extra, "--from-file", str(listing)])
    assert first.exit_code == 0, first.stderr
    assert "51 URLs: 51 now tracked, 0 already tracked, 0 failed" in first.stderr
    again = CliRunner().invoke(main, ["--db", str(db), "track", "--from-file", str(listing)])
    assert again.exit_code == 0 and again.stdout.count("already tracked") == 50
    assert "tracked 50 of" not in again.stderr  # short lists print no progress
    assert _stored(db) == 51


def test_no_urls_at_all_is_one_line_and_a_failure(db, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n")
    result = CliRunner().invoke(main, ["--db", str(db), "track", "--from-file", str(empty)])
    assert result.exit_code != 0
    assert result.stderr.strip().count("\n") == 0 and "--from-file" in result.stderr


def test_invalid_utf8_in_a_file_fails_that_line_only(db, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_bytes(b"https://news.example.com/ok/\nhttps://news.example.com/\xff\xfe\n")
    result = CliRunner().invoke(main, ["--db", str(db), "track", "--from-file", str(listing)])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if "not valid UTF-8" in line]
    assert _stored(db) == 1


def test_the_owners_api_tracks_in_batches_like_the_file_itself(tmp_path, served):  # noqa: F811
    urls = [*_urls(TRACK_BATCH + 150), "ftp://bad.example/x", _urls(1)[0]]
    seen: list[tuple[int, int]] = []
    with connect(served, platforms={}) as remote:
        assert type(remote).__name__ == "RemoteHandle"
        through_api = remote.track(urls, lambda done, total: seen.append((done, total)))
    assert seen == [(TRACK_BATCH, len(urls)), (len(urls), len(urls))]
    with connect(_config(tmp_path / "local.duckdb"), platforms={}) as local:
        on_file = local.track(urls)
    assert [(t.url, t.kind, t.created, bool(t.error)) for t in through_api] == [
        (t.url, t.kind, t.created, bool(t.error)) for t in on_file
    ]
    assert [t.created for t in on_file].count(True) == TRACK_BATCH + 150
    assert on_file[-2].kind == "error" and not on_file[-1].created  # the repeat is already tracked
