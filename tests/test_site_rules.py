"""Per-site article-key rules end to end, over real HTTP on 127.0.0.1: a site whose m. host is
another publication keeps m.example.com/a and example.com/a apart in discovery (a feed on a
loopback site), in `tracker track` and when Hacker News search (the simulator) joins shares
to articles, while the default still joins them; and a change of the rules re-keys or keeps
what is stored, never giving one stored article two keys or losing a sample."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from tracker import registry, timeseries
from tracker.collector import Sample
from tracker.config import Config, from_mapping
from tracker.owner.background import BackgroundServer
from tracker.runner import discover_round, shares_round
from tracker.service import open_collection, track
from tracker.simweb.world import SITE_URL

BARE = SITE_URL + "/2026/12/rules-story/"  # https://news.example.com/...
MOBILE = BARE.replace("https://", "https://m.")


def _config(
    tmp_path: Path, sim: Any, site: dict[str, Any], names: tuple[str, ...] = ("hackernews",)
) -> Config:
    types = {name: p.settings_type for name, p in registry.load().items()}
    overrides = sim.overrides()
    platforms = {
        name: {
            "enabled": True,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in overrides.get(name, {}).items()},
        }
        for name in names
    }
    raw = {"storage": {"path": str(tmp_path / "rules.duckdb")}, "sites": [site], "platforms": platforms}
    return from_mapping(raw, types)


def _articles(opened: Any) -> list[tuple[str, str]]:
    rows = opened.collection.store.cursor().execute("select url, site from tracked_articles order by url")
    return [(str(u), str(s)) for u, s in rows.fetchall()]


class FeedSite:
    """A news site on loopback whose feed lists one story under its bare and its m. host."""

    def __init__(self) -> None:
        items = "".join(f"<item><title>{u}</title><link>{u}</link></item>" for u in (BARE, MOBILE))
        self.feed = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
        )
        self._server = BackgroundServer(self._app, name="rules-site").start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        if Request(environ).path == "/feed/":
            return Response(self.feed, 200, mimetype="application/rss+xml")(environ, start_response)
        return Response(b"nothing here", 404)(environ, start_response)

    def site(self, **rules: Any) -> dict[str, Any]:
        return {
            "name": "news",
            "url": SITE_URL,
            "feeds": [SITE_URL + "/feed/"],
            "fetch_base_url": self._server.url,
            "allow_private": True,
            **rules,
        }

    def close(self) -> None:
        self._server.stop()


@pytest.fixture
def feed_site():
    site = FeedSite()
    yield site
    site.close()


@pytest.mark.parametrize(("rules", "expected"), [({}, [BARE]), ({"keep_prefixes": ["m."]}, [MOBILE, BARE])])
def test_discovery_keeps_the_m_host_apart_only_where_the_site_says_so(
    feed_site, sim, tmp_path, clock, fast_http, rules, expected
):
    config = _config(tmp_path, sim, feed_site.site(**rules), names=("feeds",))
    opened = open_collection(config, clock=clock, environ={}, http_options=fast_http)
    try:
        result = discover_round(opened.collection, "feeds")
        assert result.status == "ok", result.messages
        assert [u for u, _ in _articles(opened)] == sorted(expected)
        assert {s for _, s in _articles(opened)} == {u.split("/")[2] for u in expected}
    finally:
        opened.close()


def test_track_keeps_the_m_host_apart_for_that_site_only(sim, tmp_path, clock, fast_http):
    site = {"name": "news", "url": SITE_URL, "keep_prefixes": ["m."]}
    opened = open_collection(_config(tmp_path, sim, site), clock=clock, environ={}, http_options=fast_http)
    try:
        rows = track(
            opened,
            [
                BARE,
                MOBILE,
                "http://www.news.example.com/2026/12/rules-story",
                "https://m.other.example/a",
                "https://other.example/a",
            ],
        )
        assert [(r.key, r.created) for r in rows] == [
            (BARE, True),
            (MOBILE, True),
            (BARE, False),
            ("https://other.example/a/", True),
            ("https://other.example/a/", False),
        ]
    finally:
        opened.close()


@pytest.mark.parametrize(("rules", "joined"), [({}, 2), ({"keep_prefixes": ["m."]}, 1)])
def test_hacker_news_search_joins_the_m_copy_only_by_default(sim, tmp_path, clock, fast_http, rules, joined):
    story = f"{SITE_URL}/2026/12/hn-rules-{len(rules)}/"
    sim.world.add_post("hackernews", f"7100{len(rules)}1", story)
    sim.world.add_post("hackernews", f"7100{len(rules)}2", story.replace("https://", "https://m."))
    site = {"name": "news", "url": SITE_URL, **rules}
    opened = open_collection(_config(tmp_path, sim, site), clock=clock, environ={}, http_options=fast_http)
    try:
        assert track(opened, [story])[0].created
        result = shares_round(opened.collection, "hackernews")
        assert result.status == "ok", result.messages
        keys = opened.collection.store.cursor().execute(
            """select i.item_key from items i join tracked_articles a using (article_id)
               where a.url = ? and i.platform = 'hackernews' order by 1""",
            [story],
        )
        assert len(keys.fetchall()) == joined
    finally:
        opened.close()


def test_changing_the_rules_keeps_or_rekeys_what_is_stored_and_loses_no_sample(
    sim, tmp_path, clock, fast_http, caplog
):
    site = {"name": "news", "url": SITE_URL}

    def open_with(**rules: Any) -> Any:
        config = _config(tmp_path, sim, {**site, **rules})
        return open_collection(config, clock=clock, environ={}, http_options=fast_http)

    opened = open_with()  # the defaults: the m. copy is the same article
    try:
        assert [r.key for r in track(opened, [MOBILE])] == [BARE]
        store = opened.collection.store
        store.cursor().execute(
            "insert into items (platform, item_key, article_id, tracked_at, next_due_at) "
            "select 'facebook', 'fb-1', article_id, ?, ? from tracked_articles",
            [clock.now(), clock.now()],
        )
        timeseries.write(store, [Sample("facebook", "fb-1", clock.now(), {"reactions": 5})])
    finally:
        opened.close()

    caplog.set_level(logging.WARNING, logger="tracker")
    opened = open_with(keep_prefixes=["m."])  # m. becomes another publication: nothing split
    try:
        assert _articles(opened) == [(BARE, "news.example.com")]
        assert (
            "now keep copies of news.example.com apart: its 1 stored articles keep their keys" in caplog.text
        )
        assert track(opened, [MOBILE])[0].created  # from now on its own article
        clock.advance(300)
        opened.collection.store.cursor().execute(
            "insert into items (platform, item_key, article_id, tracked_at, next_due_at) "
            "select 'facebook', 'fb-2', article_id, ?, ? from tracked_articles where url = ?",
            [clock.now(), clock.now(), MOBILE],
        )
        timeseries.write(opened.collection.store, [Sample("facebook", "fb-2", clock.now(), {"reactions": 7})])
    finally:
        opened.close()

    caplog.clear()
    opened = open_with()  # back to the defaults: the m. article joins the bare one
    try:
        cur = opened.collection.store.cursor()
        assert _articles(opened) == [(BARE, "news.example.com")]
        assert cur.execute("select old_url, new_url, merged from url_rekeys").fetchall() == [
            (MOBILE, BARE, True)
        ]
        assert cur.execute(
            "select i.item_key, count(s.value) from items i join tracked_articles a using (article_id) "
            "join samples s using (item_id) group by 1 order by 1"
        ).fetchall() == [("fb-1", 1), ("fb-2", 1)]
        assert "1 stored article keys re-canonicalised (1 joined an article already stored" in caplog.text
        assert cur.execute("select count(*) from site_rules").fetchone() == (0,)
    finally:
        opened.close()

    opened = open_with()  # the same rules again: nothing to do, nothing logged
    try:
        assert opened.collection.store.cursor().execute("select count(*) from url_rekeys").fetchone() == (1,)
    finally:
        opened.close()


def test_keep_http_change_is_recorded_in_the_file(sim, tmp_path, clock, fast_http):
    site = {"name": "news", "url": SITE_URL, "keep_http": True}
    opened = open_collection(_config(tmp_path, sim, site), clock=clock, environ={}, http_options=fast_http)
    try:
        assert track(opened, ["http://news.example.com/old"])[0].key == "http://news.example.com/old/"
        rows = opened.collection.store.cursor().execute(
            "select host, keep_prefixes, keep_http from site_rules"
        )
        assert rows.fetchall() == [("news.example.com", [], True)]
    finally:
        opened.close()
    del site["keep_http"]
    opened = open_collection(_config(tmp_path, sim, site), clock=clock, environ={}, http_options=fast_http)
    try:
        assert _articles(opened) == [("https://news.example.com/old/", "news.example.com")]
    finally:
        opened.close()
