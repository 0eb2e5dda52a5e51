"""The Trending page's sparklines (`trending_series`) against the twelve `gained()` calls they
replaced, on random series of several articles: one item_gains call plus one pass over the last
hour gives the same points at every step, for every platform filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import catalog, timeseries
from tracker.collector import Sample
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PROPS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# sql/queries/trending_series.sql before migration 0040: one gained() call per step.
TWELVE_CALLS = """
with bounds as (
    select coalesce(cast($as_of as timestamptz), now()) as as_of
),
top as (
    select t.rank, t.article_id, t.title
    from trending(as_of := (select as_of from bounds), on_platform := nullif($platform, '')) as t
    where t.rank <= $limit
),
steps as (
    select r.step, b.as_of - interval 1 hour + to_minutes(5 * r.step) as ts
    from range(0, 13) as r(step)
    cross join bounds as b
),
-- The twelve steps are spelled out rather than a LATERAL over `steps`: DuckDB's decorrelation of
-- a table macro whose parameters appear inside aggregate FILTERs gave every step the last value.
calls as (
    select 1 as step, * from gained(interval 5 minute, as_of := (select as_of from bounds) - interval 55 minute)
    union all
    select 2 as step, * from gained(interval 10 minute, as_of := (select as_of from bounds) - interval 50 minute)
    union all
    select 3 as step, * from gained(interval 15 minute, as_of := (select as_of from bounds) - interval 45 minute)
    union all
    select 4 as step, * from gained(interval 20 minute, as_of := (select as_of from bounds) - interval 40 minute)
    union all
    select 5 as step, * from gained(interval 25 minute, as_of := (select as_of from bounds) - interval 35 minute)
    union all
    select 6 as step, * from gained(interval 30 minute, as_of := (select as_of from bounds) - interval 30 minute)
    union all
    select 7 as step, * from gained(interval 35 minute, as_of := (select as_of from bounds) - interval 25 minute)
    union all
    select 8 as step, * from gained(interval 40 minute, as_of := (select as_of from bounds) - interval 20 minute)
    union all
    select 9 as step, * from gained(interval 45 minute, as_of := (select as_of from bounds) - interval 15 minute)
    union all
    select 10 as step, * from gained(interval 50 minute, as_of := (select as_of from bounds) - interval 10 minute)
    union all
    select 11 as step, * from gained(interval 55 minute, as_of := (select as_of from bounds) - interval 5 minute)
    union all
    select 12 as step, * from gained(interval 60 minute, as_of := (select as_of from bounds) - interval 0 minute)
),
gains as (
    select g.step, g.article_id,
           sum(g.gained) filter (where is_interaction(g.metric)) as gained
    from calls as g
    where g.article_id in (select article_id from top)
      and (nullif($platform, '') is null or g.platform = $platform)
    group by all
)
select t.rank, t.article_id, t.title, s.step, s.ts, coalesce(g.gained, 0)::bigint as gained
from top as t
cross join steps as s
left join gains as g on g.article_id = t.article_id and g.step = s.step
order by t.rank, s.step;
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("sparklines") / "s.duckdb") as s:
        yield s


def _fresh(store: Store, born_min_ago: list[int]) -> None:
    with store.transaction() as cur:
        for table in ("samples", "series_latest", "item_first_sample", "gauges", "items", "tracked_articles"):
            cur.execute(f"delete from {table}")
    for n, born in enumerate(born_min_ago):
        at = NOW - timedelta(minutes=born)
        aid, _ = catalog.upsert_article(
            store, f"https://news.example.com/{n}/", at, "manual", title=str(n), published_at=at
        )
        for platform in ("bluesky", "reddit"):
            catalog.ensure_item(store, platform, str(n), at, article_id=aid, created_at=at)


points = st.lists(
    st.tuples(st.integers(min_value=0, max_value=180), st.integers(min_value=0, max_value=3_000)),
    min_size=1,
    max_size=10,
    unique_by=lambda p: p[0],
)


@pytest.mark.timeout(900)  # a few DuckDB transactions per example; the shared machine is slow
@PROPS
@given(
    stories=st.lists(
        st.tuples(st.integers(min_value=30, max_value=300), points, points), min_size=1, max_size=4
    ),
    platform=st.sampled_from(["", "bluesky", "reddit"]),
)
def test_sparklines_equal_twelve_gained_calls(store, stories, platform):
    _fresh(store, [born for born, _, _ in stories])
    samples = [
        Sample(p, str(n), NOW - timedelta(minutes=m), {metric: v})
        for n, (_, sky, red) in enumerate(stories)
        for p, metric, pts in (("bluesky", "likes", sky), ("reddit", "score", red))
        for m, v in pts
    ]
    timeseries.write(store, samples[::2])
    timeseries.write(store, samples[1::2])  # half of them arrive late
    params = {"platform": platform, "limit": 10, "as_of": NOW}
    new = store.named("trending_series", **params)
    assert new.rows() == store.df(TWELVE_CALLS, params).rows()
    trending = store.scalar(
        "select count(*) from trending(as_of := $t, on_platform := nullif($p, ''))", {"t": NOW, "p": platform}
    )
    assert new.height == 13 * min(trending, 10)  # every trending story has its 13 points
