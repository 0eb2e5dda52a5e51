"""The article page's cumulative chart draws the site's usual interactions at each age of the
story (the `article_expected` query over the expected_curves macro), with the values the SQL
computes: the trimmed mean of the site's comparable articles at each age mark, and expected_at
between marks up to now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dashboards.data import Data
from dashboards.pages import article
from dashboards.view import Ctx, parse
from tests.dashboards.conftest import SITE, Seeded
from tracker import catalog

MARKS = (1, 2, 3, 6, 12, 24)
HISTORY = 12  # articles of the same site with known marks (expected_min_articles is 10)


def usual(mark_h: int) -> float:
    """The trimmed mean at a mark: history article k has 100 x mark_h + 10 k; of 12 values the
    lowest and highest 3 are dropped, leaving k = 3..8, whose mean adds 55."""
    return 100.0 * mark_h + 55.0


def with_history(seeded: Seeded) -> None:
    """Twelve older articles of the seeded site, each with its interactions at every mark."""
    store = seeded.store
    site = store.scalar("select site from articles where article_id = ?", [seeded.ids["summit"]])
    for k in range(HISTORY):
        born = seeded.ago(days=3, hours=k)
        aid, _ = catalog.upsert_article(
            store, f"{SITE}/history-{k}/", born, "manual", title=f"History {k}", published_at=born
        )
        with store.transaction() as cur:
            for mark_h in MARKS:
                cur.execute(
                    "insert into age_marks (article_id, site, platform, metric, mark_h, born_at, value, filled_at)"
                    " values (?, ?, 'reddit', 'score', ?, ?, ?, ?)",
                    [aid, site, mark_h, born, 100.0 * mark_h + 10 * k, seeded.now],
                )


def find(component: Any, component_id: str) -> Any:
    if isinstance(component, list | tuple):
        for child in component:
            if (hit := find(child, component_id)) is not None:
                return hit
        return None
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    return find(children, component_id) if children is not None else None


def test_the_cumulative_chart_carries_the_sites_expected_curve_from_the_sql(seeded: Seeded) -> None:
    with_history(seeded)
    summit = seeded.ids["summit"]
    data = Data(seeded.store, ttl_s=60)
    ctx = Ctx(parse("article", ""), ZoneInfo("UTC"), "UTC", f"/article/{summit}")
    content = article.content(data, ctx, summit)

    figure = find(content, "article-graph").figure
    traces = [t for t in figure.data if t.name == "site's usual at this age"]
    assert len(traces) == 1
    curve = traces[0]
    # Summit was born 5 h ago (its first post): 0 at birth, the marks it has passed, then now.
    assert list(curve.y[:4]) == [0.0, usual(1), usual(2), usual(3)]
    born = seeded.ago(minutes=300)
    age_h = (data.article_expected(summit).as_of - born) / timedelta(hours=1)
    between = usual(3) + (usual(6) - usual(3)) * (age_h - 3) / 3  # expected_at on the 3-6 h segment
    assert curve.y[-1] == pytest.approx(between, abs=0.5)
    assert curve.x[1] == (born + timedelta(hours=1)).replace(tzinfo=None)
    # The same number the SQL's expected_at gives, and the page's fact says it too.
    sql = seeded.store.scalar("select expected_at(?, 3, ?, 6, ?)", [age_h, usual(3), usual(6)])
    assert curve.y[-1] == pytest.approx(sql, abs=0.5)
    assert f"{round(curve.y[-1]):,}" in str(content)


def test_without_history_the_chart_has_no_expected_line(seeded: Seeded) -> None:
    summit = seeded.ids["summit"]
    data = Data(seeded.store, ttl_s=60)
    rows = data.article_expected(summit).rows
    assert rows["expected"].drop_nulls().to_list() == [0.0]  # birth only: too little history
    ctx = Ctx(parse("article", ""), ZoneInfo("UTC"), "UTC", f"/article/{summit}")
    figure = find(article.content(data, ctx, summit), "article-graph").figure
    assert "site's usual at this age" not in {t.name for t in figure.data}
    assert "The site's usual" not in str(article.content(data, ctx, summit))
    hourly = Ctx(parse("article", "?view=hourly"), ZoneInfo("UTC"), "UTC", f"/article/{summit}")
    bars = find(article.content(data, hourly, summit), "article-graph").figure
    assert "site's usual at this age" not in {t.name for t in bars.data}  # never on the hourly bars
