"""The app over HTTP through Flask's test client: every route answers, unknown paths get 404,
the page callbacks render the seeded data (called the way the browser calls them, through
/_dash-update-component), and /api/most-popular returns exact JSON and refuses bad parameters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboards import Route, create_app, resolve
from tests.dashboards.conftest import Seeded, seed
from tracker.store import Store


@pytest.fixture
def client(seeded: Seeded) -> FlaskClient:
    return create_app(seeded.store, refresh_s=0.5).server.test_client()


def call(
    client: FlaskClient,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] = (),
) -> dict[str, Any]:
    """Fire one callback as dash-renderer does; returns {component id: {property: value}}."""
    specs = [{"id": i, "property": p} for i, p in outputs]
    body = {
        "output": f"{outputs[0][0]}.{outputs[0][1]}"
        if len(outputs) == 1
        else ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": specs[0] if len(outputs) == 1 else specs,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return response.get_json()["response"]


def texts(component: Any) -> list[str]:
    """Every string in a serialised component tree, in document order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, int | float) and not isinstance(component, bool):
        return [str(component)]
    if isinstance(component, list):
        return [t for child in component for t in texts(child)]
    if isinstance(component, dict):
        return (
            texts(component.get("props", {}).get("children"))
            if "props" in component
            else [t for value in component.values() for t in texts(value)]
        )
    return []


def find(component: Any, **props: Any) -> list[dict[str, Any]]:
    """Components whose props include all of `props`."""
    found = []
    if isinstance(component, list):
        for child in component:
            found += find(child, **props)
    elif isinstance(component, dict) and "props" in component:
        if all(component["props"].get(k) == v for k, v in props.items()):
            found.append(component)
        found += find(component["props"].get("children"), **props)
    return found


def page(client: FlaskClient, path: str) -> Any:
    return call(client, [("page", "children"), ("nav", "children")], [("url", "pathname", path)])["page"][
        "children"
    ]


def first_rows(table: Any) -> list[str]:
    """The story titles of a ranking table, top first."""
    return [texts(link)[0] for link in find(table, className="story-link")]


@pytest.mark.parametrize("path", ["/", "/trending", "/health", "/article/1", "/article/9999", "/trending/"])
def test_every_page_route_answers_200(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert b"Virality tracker" in response.data


@pytest.mark.parametrize("path", ["/nope", "/article/abc", "/article/", "/health/extra"])
def test_unknown_paths_answer_404_with_the_app_shell(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"Virality tracker" in response.data  # the shell still loads and renders "Page not found"


def test_routes_resolve_to_pages() -> None:
    assert resolve("/") == Route("most_popular")
    assert resolve("/trending/") == Route("trending")
    assert resolve("/article/42") == Route("article", {"article_id": 42})
    assert resolve("/article/4x2") == Route("not_found", {"pathname": "/article/4x2"})


def test_most_popular_page_ranks_the_seeded_stories_and_marks_its_nav_link(client: FlaskClient) -> None:
    response = call(client, [("page", "children"), ("nav", "children")], [("url", "pathname", "/")])
    table = find(response["page"]["children"], id="mp-table")[0]
    assert first_rows(table) == ["Summit ends in surprise deal", "Heatwave breaks decade-old record"]
    assert texts(find(table, **{"data-article-id": "1"})[0]) == [
        "1",
        "Summit ends in surprise deal",
        "news.example.com · world",
        "open ↗",
        "1,155",
        "1,155",
        "–",
        "bluesky",
        "reddit",
    ]
    assert find(table, className="story-link")[0]["props"]["href"] == "/article/1"
    assert [n["props"]["className"] for n in response["nav"]["children"]] == [
        "nav-link active",
        "nav-link",
        "nav-link",
    ]


def test_most_popular_controls_rerank_by_window_and_platform(client: FlaskClient) -> None:
    def refresh(window: str, platform: str) -> list[str]:
        out = call(
            client,
            [("mp-table", "children"), ("mp-chart", "figure")],
            [
                ("mp-window", "value", window),
                ("mp-platform", "value", platform),
                ("mp-tick", "n_intervals", 1),
            ],
        )
        return first_rows(out["mp-table"]["children"])

    assert refresh("1h", "") == ["Heatwave breaks decade-old record", "Summit ends in surprise deal"]
    assert refresh("7d", "") == [
        "Summit ends in surprise deal",
        "Chess prodigy stuns grandmasters",
        "Heatwave breaks decade-old record",
    ]
    assert refresh("24h", "hackernews") == ["Heatwave breaks decade-old record"]
    out = call(
        client,
        [("mp-table", "children"), ("mp-chart", "figure")],
        [("mp-window", "value", "1h"), ("mp-platform", "value", "mastodon"), ("mp-tick", "n_intervals", 2)],
    )
    assert texts(out["mp-table"]["children"]) == ["No story gained interactions on mastodon in the last 1h."]


def test_trending_page_lists_the_last_hour_with_its_chart(client: FlaskClient) -> None:
    content = page(client, "/trending")
    assert first_rows(find(content, id="tr-table")[0]) == [
        "Heatwave breaks decade-old record",
        "Summit ends in surprise deal",
    ]
    chart = find(content, id="tr-chart")[0]["props"]["figure"]
    assert [t["name"] for t in chart["data"]] == [
        "1. Heatwave breaks decade-old reco…",  # legend-short
        "2. Summit ends in surprise deal",
    ]
    assert chart["data"][0]["y"][-1] == 332  # the last hour's gain, window start interpolated


def test_article_page_shows_totals_latest_values_and_a_graph(client: FlaskClient, seeded: Seeded) -> None:
    content = page(client, f"/article/{seeded.ids['summit']}")
    words = texts(content)
    assert "Summit ends in surprise deal" in words
    assert words[words.index("Total interactions") + 1] == "1,155"
    latest = find(content, className="latest")[0]
    assert texts(latest) == [
        "Platform",
        "likes",
        "reposts",
        "comments",
        "score",
        "bluesky",
        "100",
        "20",
        "",
        "",
        "reddit",
        "",
        "",
        "85",
        "950",
    ]
    graph = find(content, id="article-graph")[0]["props"]["figure"]
    assert {t["name"] for t in graph["data"]} == {"bluesky", "reddit"}


def test_article_page_for_an_unknown_id_or_a_story_without_samples_says_so(
    client: FlaskClient, seeded: Seeded
) -> None:
    assert "Story not found" in texts(page(client, "/article/9999"))
    assert "No samples of this story yet" in " ".join(
        texts(page(client, f"/article/{seeded.ids['orchestra']}"))
    )


def test_article_page_refresh_callback_rereads_the_story(client: FlaskClient, seeded: Seeded) -> None:
    seeded.write("reddit", "r1", seeded.ago(minutes=1), score=2000, comments=85)
    out = call(
        client,
        [("article-body", "children")],
        [("article-tick", "n_intervals", 3)],
        [("article-id", "data", seeded.ids["summit"])],
    )
    words = texts(out["article-body"]["children"])
    assert words[words.index("Total interactions") + 1] == "2,205"


def test_health_page_shows_each_platform_and_the_throttled_one(client: FlaskClient) -> None:
    table = find(page(client, "/health"), id="health-table")[0]
    x = texts(find(table, **{"data-platform": "x"})[0])
    assert x[:5] == ["x", "3 min ago", "never", "blocked", "50% (1 of 2 requests)"]
    assert x[-1] == "429 from api.x.com"
    assert texts(find(table, **{"data-platform": "reddit"})[0])[3:5] == ["ok", "0% (0 of 4 requests)"]


def test_unknown_path_renders_the_not_found_page(client: FlaskClient) -> None:
    assert texts(page(client, "/nope")) == [
        "Page not found",
        "There is no page at ",
        "/nope",
        ".",
        "Back to Most popular",
    ]


def test_freshness_badge_shows_the_newest_sample_time(client: FlaskClient, seeded: Seeded) -> None:
    out = call(
        client, [("freshness", "children")], [("shell-tick", "n_intervals", 1), ("url", "pathname", "/")]
    )
    badge = out["freshness"]["children"]
    newest = seeded.ago(minutes=10).strftime("%H:%M:%S")
    assert texts(badge) == [f"Data as of {newest} UTC", " · 10 min ago"]
    assert badge["props"]["className"] == "badge"


def test_api_most_popular_returns_the_page_ranking_as_json(client: FlaskClient, seeded: Seeded) -> None:
    response = client.get("/api/most-popular?window=24h&limit=10")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=1"
    body = response.get_json()
    as_of = datetime.fromisoformat(body.pop("as_of"))
    assert timedelta(0) <= as_of - seeded.now < timedelta(minutes=1)

    def iso(at: datetime) -> str:
        return at.astimezone(UTC).isoformat().replace("+00:00", "Z")

    assert body == {
        "window": "24h",
        "platform": None,
        "articles": [
            {
                "rank": 1,
                "article_id": seeded.ids["summit"],
                "url": "https://news.example.com/summit/",
                "title": "Summit ends in surprise deal",
                "site": "news.example.com",
                "section": "world",
                "published_at": iso(seeded.ago(hours=6)),
                "interactions": 1155,
                "views": None,  # no platform reports views for this story: absent, not 0
                "total_interactions": 1155,
                "platforms": ["bluesky", "reddit"],
                "last_sample_at": iso(seeded.ago(minutes=30)),
            },
            {
                "rank": 2,
                "article_id": seeded.ids["heatwave"],
                "url": "https://news.example.com/heatwave/",
                "title": "Heatwave breaks decade-old record",
                "site": "news.example.com",
                "section": "world",
                "published_at": iso(seeded.ago(hours=2)),
                "interactions": 575,
                "views": 5000,
                "total_interactions": 575,
                "platforms": ["hackernews", "reddit", "x"],
                "last_sample_at": iso(seeded.ago(minutes=10)),
            },
        ],
    }


def test_api_most_popular_defaults_to_24h_and_honours_limit_window_and_platform(client: FlaskClient) -> None:
    def titles(query: str) -> list[tuple[int, str, int]]:
        body = client.get(f"/api/most-popular{query}").get_json()
        return [(a["rank"], a["title"], a["interactions"]) for a in body["articles"]]

    assert titles("") == titles("?window=24h")
    # 1h gains with the window start interpolated (tests/dashboards/test_data.py spells out 332).
    assert titles("?window=1h&limit=1") == [(1, "Heatwave breaks decade-old record", 332)]
    assert titles("?window=7d&platform=hackernews") == [
        (1, "Chess prodigy stuns grandmasters", 720),
        (2, "Heatwave breaks decade-old record", 340),
    ]
    assert titles("?platform=mastodon") == []


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("window=banana", "window must be one of 1h, 6h, 24h, 7d, not 'banana'"),
        ("limit=-3", "limit must be between 1 and 100, not -3"),
        ("limit=10000", "limit must be between 1 and 100, not 10000"),
        ("limit=ten", "limit must be a whole number, not 'ten'"),
        ("platform=Robert');drop", 'platform must be a platform name such as reddit, not "Robert\');drop"'),
    ],
)
def test_api_most_popular_refuses_bad_parameters_with_a_one_line_json_error(
    client: FlaskClient, query: str, error: str
) -> None:
    response = client.get(f"/api/most-popular?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": error}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_two_apps_on_two_stores_coexist_in_one_process(seeded: Seeded, tmp_path: Path) -> None:
    other_store = Store.open(tmp_path / "other.duckdb")
    try:
        seed(other_store, seeded.now)
        seeded.write("x", "x2", seeded.ago(minutes=1), likes=1000, reposts=10)  # only the first store changes
        first = create_app(seeded.store).server.test_client()
        second = create_app(other_store, title="Second desk").server.test_client()
        assert (
            first.get("/api/most-popular").get_json()["articles"][0]["title"]
            == "Heatwave breaks decade-old record"
        )
        assert (
            second.get("/api/most-popular").get_json()["articles"][0]["title"]
            == "Summit ends in surprise deal"
        )
        assert b"<title>Second desk</title>" in second.get("/").data
    finally:
        other_store.close()


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[FlaskClient]:
    store = Store.open(tmp_path / "empty.duckdb")
    yield create_app(store).server.test_client()
    store.close()


def test_an_empty_store_renders_every_page_with_explanations(empty_client: FlaskClient) -> None:
    assert "No story gained interactions in the last 24h." in texts(page(empty_client, "/"))
    assert "No collector has run yet." in texts(page(empty_client, "/health"))
    badge = call(
        empty_client,
        [("freshness", "children")],
        [("shell-tick", "n_intervals", 1), ("url", "pathname", "/")],
    )["freshness"]["children"]
    assert texts(badge) == ["No data yet"]
    assert empty_client.get("/api/most-popular").get_json()["articles"] == []
