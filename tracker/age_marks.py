"""Keeps `age_marks` (each article's interactions at ages 1 h ... 168 h) filled as marks come due.

Overperformance compares an article with its site's usual article *at the same age*; reading
that from the raw samples would mean interpolating 100 curves per site at every ranking. A mark
never changes once its age has passed, so the daemon writes each one once (which ones, and how
they are interpolated, is `age_marks_due` in sql/macros/85_age_marks.sql) and the rankings read
a table of a few rows per article.
"""

from __future__ import annotations

from datetime import datetime

from tracker.store import Store


def refresh(store: Store, now: datetime) -> int:
    """Write every mark that is due by `now` and not stored yet; returns how many rows."""
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
    return int(after[0]) - int(before[0])
