"""Keeps `age_marks` (each article's interactions at ages 1 h ... 168 h) filled as marks come due,
and the expected curves computed from them stored beside them.

Overperformance compares an article with its site's usual article *at the same age*; reading
that from the raw samples would mean interpolating 100 curves per site at every ranking. A mark
never changes once its age has passed, so the daemon writes each one once (which ones, and how
they are interpolated, is `age_marks_due` in sql/macros/85_age_marks.sql) and the rankings read
a table of a few rows per article. The curves (`expected_curves`, a trimmed mean over every
site's last articles) only move when marks are added, so they are computed here, once per
refresh, into `stored_expected_curves` (migration 0065), instead of in every ranking.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from tracker.store import Store


def refresh(store: Store, now: datetime) -> int:
    """Write every mark that is due by `now` and not stored yet, then the curves if they moved;
    returns how many mark rows were added."""
    with store.transaction() as cur:
        before = cur.execute("select count(*) from age_marks").fetchone()
        cur.execute(
            """insert into age_marks (article_id, site, platform, metric, mark_h, born_at, value, filled_at)
               select article_id, site, platform, metric, mark_h, born_at, value, ?::timestamptz
               from age_marks_due(as_of := ?::timestamptz)""",
            [now, now],
        )
        after = cur.execute("select count(*) from age_marks").fetchone()
        assert before is not None and after is not None
        added = int(after[0]) - int(before[0])
        if added or not _curves_current(cur):
            store_curves(cur, now)
    return added


def store_curves(cur: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Replace the stored curves by expected_curves at `now`: all platforms together (NULL) and
    each platform with items or marks (inside the caller's transaction)."""
    cur.execute("delete from stored_expected_curves")
    platforms: list[str | None] = [None]
    platforms += [
        row[0]
        for row in cur.execute(
            "select platform from items union select platform from age_marks order by 1"
        ).fetchall()
    ]
    for platform in platforms:
        cur.execute(
            """insert into stored_expected_curves
               select ?::varchar, site, mark_h, expected, basis, prev_mark_h, prev_expected,
                      ?::timestamptz, expected_curve_inputs()
               from expected_curves(as_of := ?::timestamptz, on_platform := ?::varchar)""",
            [platform, now, now, platform],
        )


def _curves_current(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether stored curves exist and were computed from today's settings and catalog."""
    row = cur.execute(
        "select count(*) > 0 and bool_and(inputs = expected_curve_inputs()) from stored_expected_curves"
    ).fetchone()
    return bool(row and row[0])
