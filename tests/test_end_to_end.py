"""End to end, as a user runs it: the simulator up, `tracker track`, `tracker collect --once`
twice while simulated time passes, and the `engagement` view shows the expected, growing
counts. Real processes, real HTTP on 127.0.0.1, a real DuckDB file."""

from __future__ import annotations

import pytest

from tests.e2e_support import sql_json, tracker, write_config
from tracker.collector import METRICS


@pytest.fixture
def flagship(sim):
    """The K-pop drum duet article, which has posts on every platform."""
    from tracker.simweb.world import FLAGSHIP_TITLE

    return next(a for a in sim.world.articles if a.title == FLAGSHIP_TITLE)


def test_track_collect_twice_engagement_grows(sim, sim_admin, tmp_path, flagship):
    config = write_config(sim, tmp_path)
    tracker(config, "init")
    out = tracker(config, "track", flagship.url + "?utm_source=twitter&utm_medium=social").stdout
    assert "now tracking: article" in out and "utm_" not in out

    first = tracker(config, "collect", "--once")
    assert "items sampled" in first.stderr
    before = {
        (r["platform"], r["metric"]): r["value"]
        for r in sql_json(config, "select platform, metric, value from latest_engagement")
    }
    # Every platform with a post sharing the article answered, under canonical metric names.
    assert {"facebook", "hackernews", "reddit"} <= {p for p, _ in before}
    assert ("reddit", "score") in before and ("facebook", "shares") in before
    assert {m for _, m in before} <= set(METRICS)

    sim_admin("clock", {"advance": 3 * 3600})
    tracker(config, "collect", "--once")
    after = {
        (r["platform"], r["metric"]): r["value"]
        for r in sql_json(config, "select platform, metric, value from latest_engagement")
    }
    assert set(before) <= set(after)
    assert all(after[k] >= before[k] for k in before)
    assert any(after[k] > before[k] for k in before), "nothing grew in three simulated hours"

    # The engagement series has two sample times per platform and metric, non-decreasing here.
    series = sql_json(
        config,
        "select platform, metric, count(*) as n, min(value) as lo, max(value) as hi "
        "from engagement group by all",
    )
    assert all(r["n"] >= 2 and r["hi"] >= r["lo"] for r in series)
    runs = sql_json(config, "select platform, count(*) as n from runs where kind = 'sample' group by all")
    assert {r["platform"] for r in runs} >= {"hackernews", "reddit", "facebook"}


def test_sampled_counts_equal_the_platform_answers(sim, tmp_path, flagship):
    """What is stored is exactly what the API said at that moment (frozen simulated clock)."""
    config = write_config(sim, tmp_path)
    tracker(config, "track", flagship.url)
    tracker(config, "collect", "--once", "--platform", "hackernews", "--platform", "facebook")
    stored = {
        r["item_key"]: r
        for r in sql_json(
            config,
            "select i.item_key, i.platform, s.metric, s.value from samples s join items i using (item_id) "
            "where s.metric in ('score', 'shares')",
        )
    }
    for post in sim.world.posts_linking("hackernews", flagship.url):
        assert stored[post.key]["value"] == max(1, sim.world.engagement(post)["interactions"])
    fb = sim.world.posts["facebook"][flagship.url]
    assert stored[flagship.url]["value"] == sim.world.engagement(fb)["shares"]


def test_unknown_url_kind_is_one_line_error_and_keeps_data(sim, tmp_path, flagship):
    config = write_config(sim, tmp_path)
    tracker(config, "track", flagship.url)
    for bad in (
        "ftp://example.com/file",
        "not a url",
        "http://",
        "https://x.com/someone/status/abc",
        "https://www.youtube.com/watch?v=",
        "https://www.facebook.com/somepage/posts/123",
    ):
        result = tracker(config, "track", bad, check=False)
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error:")
    assert sql_json(config, "select count(*) as n from articles")[0]["n"] == 1


def test_bad_config_is_one_line_error_naming_the_key(sim, tmp_path, flagship):
    config = write_config(sim, tmp_path)
    tracker(config, "track", flagship.url)
    broken = tmp_path / "broken.toml"
    broken.write_text(config.read_text().replace("tick_s = 1", 'tick_s = "fast"', 1))
    result = tracker(broken, "collect", "--once", check=False)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "daemon.tick_s" in result.stderr
    typo = tmp_path / "typo.toml"
    typo.write_text(
        config.read_text().replace("limits = { min_resample_s = 1.0 }", "limits = { requets = 5 }", 1)
    )
    result = tracker(typo, "collect", "--once", check=False)
    assert result.returncode != 0 and "requets" in result.stderr
    assert sql_json(config, "select count(*) as n from articles")[0]["n"] == 1


def test_unreachable_api_is_recorded_and_loses_nothing(sim, tmp_path, flagship):
    config = write_config(sim, tmp_path)
    tracker(config, "track", flagship.url)
    tracker(config, "collect", "--once", "--platform", "hackernews")
    kept = sql_json(config, "select count(*) as n from samples")[0]["n"]
    assert kept > 0
    dead = tmp_path / "dead.toml"
    dead.write_text(config.read_text().replace(sim.url + "/hackernews", "http://127.0.0.1:9/hackernews"))
    result = tracker(dead, "collect", "--once", "--platform", "hackernews", check=False)
    assert "127.0.0.1:9: connection refused" in result.stderr  # the host is named
    assert result.returncode == 1 and "error: none of the" in result.stderr  # nothing succeeded
    assert sql_json(config, "select count(*) as n from samples")[0]["n"] == kept
    errors = sql_json(config, "select kind, message from run_errors")
    assert errors and all(e["kind"] == "Unreachable" for e in errors)


def test_post_tracked_by_its_own_url_joins_the_article_it_shares(sim, tmp_path, flagship):
    """An editor pastes an X status URL: its counts are sampled and, because the post links the
    article, they count toward that article's engagement on X."""
    config = write_config(sim, tmp_path)
    [post] = sim.world.posts_linking("x", flagship.url)[:1]
    out = tracker(config, "track", flagship.url, f"https://x.com/someone/status/{post.key}?s=20").stdout
    assert f"x item {post.key}" in out
    tracker(config, "collect", "--once", "--platform", "x")
    rows = sql_json(config, "select platform, metric, value from latest_engagement where platform = 'x'")
    likes = {r["metric"]: r["value"] for r in rows}
    assert likes["likes"] == sim.world.engagement(post)["interactions"]
    assert likes["views"] == sim.world.engagement(post)["views"]


def test_collect_once_is_a_full_pass_beyond_round_max_items(sim, tmp_path):
    """`collect --once` samples every tracked item once, even when there are more than a
    round may take (`round_max_items`, lowered to 3 here): it goes on round after round."""
    config = write_config(sim, tmp_path)
    config.write_text(config.read_text().replace("tick_s = 1\n", "tick_s = 1\nround_max_items = 3\n"))
    posts = [p for p in sim.world.posts["hackernews"].values() if p.created_at <= sim.world.now()][:8]
    assert len(posts) == 8
    tracker(config, "track", *[f"https://news.ycombinator.com/item?id={p.key}" for p in posts])
    result = tracker(config, "collect", "--once", "--platform", "hackernews")
    assert "8 items sampled" in result.stderr
    [row] = sql_json(
        config,
        "select count(distinct s.item_id) as items, count(*) filter (where s.metric = 'score') as scores "
        "from samples s join items i using (item_id) where i.platform = 'hackernews'",
    )
    assert row == {"items": 8, "scores": 8}  # each item once, none twice
    rounds = sql_json(
        config, "select count(*) as n from runs where platform = 'hackernews' and kind = 'sample'"
    )
    assert rounds == [{"n": 3}]  # 3 + 3 + 2
