"""The TOML-configured generic JSON collector over real HTTP: pointed at the simulator's Hacker
News (one item per request), YouTube (a batch endpoint) and X (a bearer token) fakes, at the
shared real Hacker News sample, and at hand-written answers served the same way."""

from __future__ import annotations

import functools
import logging
import tomllib
from datetime import timedelta

import pytest

from tests.collectors.batching import sample_in_batches
from tracker.assembly import Active, build_platform
from tracker.collector import Gone, Sample, Target
from tracker.config import from_mapping
from tracker.errors import AuthFailed, BadResponse, ConfigError, RateLimited, Unreachable
from tracker.registry import load as load_registry
from tracker.secrets import Redactor
from tracker.simweb.youtube import likes_hidden

HN_METRICS = '{ score = "score", comments = "descendants" }'


@pytest.fixture
def configure(clock, fast_http):
    """Build generic_json from a [platforms.generic_json] TOML table, as a config file would."""

    def build(toml: str, env: dict[str, str] | None = None) -> Active:
        platforms = load_registry(entry_point_group=None)
        config = from_mapping(tomllib.loads(toml), {name: p.settings_type for name, p in platforms.items()})
        built = build_platform(
            platforms["generic_json"],
            config.platform("generic_json"),
            clock,
            Redactor(),
            environ=env or {},
            http_options=fast_http,
        )
        assert isinstance(built, Active), built
        return built

    return build


@pytest.fixture
def hn(sim, configure):
    return configure(f"""
        [platforms.generic_json]
        url_template = "{sim.url}/hackernews/firebase/v0/item/{{id}}.json"
        metrics = {HN_METRICS}
        url_pattern = 'news\\.ycombinator\\.com/item\\?id=(\\d+)'
    """)


@pytest.fixture
def answer(answer_at):
    """Serve one hand-written answer over HTTP, the way the real samples are replayed."""
    return functools.partial(answer_at, "/items/1.json")


def _items_config(url: str) -> str:
    return f"""
        [platforms.generic_json]
        url_template = "{url}/items/{{id}}.json"
        metrics = {{ views = "stats.views", likes = "stats.likes" }}
    """


def _hn_posts(sim, n):
    now = sim.world.now()
    posts = [
        p for p in sim.world.posts["hackernews"].values() if p.created_at <= now and not sim.world.is_gone(p)
    ]
    assert len(posts) >= n
    return posts[:n]


# -- one item per request (the Hacker News fake) --------------------------------------------------


def test_generic_json_per_item_template_maps_configured_paths(sim, hn):
    posts = _hn_posts(sim, 3)
    records = sample_in_batches(hn, [Target("generic_json", p.key) for p in posts])
    expected = []
    for post in posts:
        counts = sim.world.engagement(post)
        expected.append({"score": max(1, counts["interactions"]), "comments": counts["comments"]})
    assert [r.metrics for r in records] == expected
    assert all(isinstance(r, Sample) and r.platform == "generic_json" for r in records)
    assert hn.http.stats.requests == 3  # max_batch = 1: ceil(3 / 1)


def test_generic_json_null_body_is_gone(hn):
    target = Target("generic_json", "1")
    assert list(hn.collector.sample([target])) == [Gone(target, "not_found")]


def test_generic_json_404_is_gone(answer, configure):
    server = answer({"stats": {"views": 1}})
    active = configure(_items_config(server.url))
    target = Target("generic_json", "2")  # /items/2.json has no answer: 404
    assert list(active.collector.sample([target])) == [Gone(target, "not_found")]


def test_generic_json_absent_and_null_metrics_stay_absent(answer, configure):
    server = answer({"stats": {"views": "1200", "likes": None}})
    active = configure(_items_config(server.url))
    [record] = list(active.collector.sample([Target("generic_json", "1")]))
    assert record.metrics == {"views": 1200}


def test_generic_json_count_that_is_not_a_number_is_bad_response(answer, configure):
    server = answer({"stats": {"views": "n/a"}})
    active = configure(_items_config(server.url))
    with pytest.raises(BadResponse, match="views"):
        list(active.collector.sample([Target("generic_json", "1")]))


def test_generic_json_body_that_is_not_an_object_is_bad_response(answer, configure):
    server = answer([1, 2, 3])
    active = configure(_items_config(server.url))
    with pytest.raises(BadResponse, match="item is list"):
        list(active.collector.sample([Target("generic_json", "1")]))


def test_generic_json_identify_uses_url_pattern(hn):
    assert hn.collector.identify("https://news.ycombinator.com/item?id=8863") == "8863"
    assert hn.collector.identify("https://news.example.com/item?id=8863") is None


# -- batches (the YouTube fake) and a bearer token (the X fake) -----------------------------------


def test_generic_json_batch_template_issues_ceil_n_over_max_batch_requests(sim, configure):
    active = configure(f"""
        [platforms.generic_json]
        url_template = "{sim.url}/youtube/api/youtube/v3/videos?part=statistics&key=generic-key&id={{ids}}"
        max_batch = 50
        items_path = "items"
        id_path = "id"
        metrics = {{ views = "statistics.viewCount", likes = "statistics.likeCount" }}
    """)
    now = sim.world.now()
    live = [
        p for p in sim.world.posts["youtube"].values() if p.created_at <= now and not sim.world.is_gone(p)
    ][:4]
    unknown = [Target("generic_json", f"gen{i:08d}") for i in range(116)]
    records = sample_in_batches(active, [Target("generic_json", p.key) for p in live] + unknown)
    assert active.limits.max_batch == 50  # the configured batch size is the runner's batch size
    assert active.http.stats.requests == 3  # ceil(120 / 50)
    for post, record in zip(live, records, strict=False):
        counts = sim.world.engagement(post)
        expected = {"views": counts["views"]} | (
            {} if likes_hidden(post.key) else {"likes": counts["interactions"]}
        )
        assert record.metrics == expected
    assert records[4:] == [Gone(t, "not_found") for t in unknown]


@pytest.mark.parametrize("template", ["items/{id}.json", "stats?ids={ids}"])
def test_generic_json_against_its_own_fake_an_analytics_api(sim, sim_admin, configure, template):
    for key in ("gj-1", "gj-2", "gj-3"):
        sim_admin("posts", {"platform": "generic_json", "key": key, "article_url": None})
    sim_admin("posts", {"platform": "generic_json", "key": "gj-gone", "article_url": None, "deleted": True})
    batch = "ids" in template
    active = configure(f"""
        [platforms.generic_json]
        url_template = "{sim.url}/generic_json/{template}"
        max_batch = {3 if batch else 1}
        items_path = "{"data.items" if batch else ""}"
        metrics = {{ views = "stats.pageviews", shares = "stats.shares" }}
    """)
    targets = [Target("generic_json", k) for k in ("gj-1", "gj-2", "gj-3", "gj-gone")]
    records = sample_in_batches(active, targets)
    assert active.http.stats.requests == (2 if batch else 4)  # ceil(4 / max_batch)
    for record, key in zip(records[:3], ("gj-1", "gj-2", "gj-3"), strict=True):
        counts = sim.world.engagement(sim.world.posts["generic_json"][key])
        assert record == Sample(
            "generic_json", key, record.observed_at, {"views": counts["views"], "shares": counts["shares"]}
        )
    assert records[3] == Gone(targets[3], "not_found")


def test_generic_json_sends_the_optional_token_as_bearer(sim, configure):
    toml = f"""
        [platforms.generic_json]
        url_template = "{sim.url}/x/api/2/tweets?tweet.fields=public_metrics&ids={{ids}}"
        items_path = "data"
        metrics = {{ likes = "public_metrics.like_count", reposts = "public_metrics.retweet_count" }}
    """
    now = sim.world.now()
    post = next(p for p in sim.world.posts["x"].values() if p.created_at <= now and not sim.world.is_gone(p))
    with_token = configure(toml, env={"GENERIC_JSON_TOKEN": "generic-bearer-token-5a1f"})
    [record] = list(with_token.collector.sample([Target("generic_json", post.key)]))
    counts = sim.world.engagement(post)
    assert record.metrics == {"likes": counts["interactions"], "reposts": counts["reposts"]}
    without = configure(toml)  # the X fake refuses requests without a bearer token
    with pytest.raises(AuthFailed, match="401"):
        list(without.collector.sample([Target("generic_json", post.key)]))


def test_generic_json_token_never_reaches_logs_or_errors(sim, sim_admin, configure, caplog):
    caplog.set_level(logging.DEBUG)
    token = "generic-bearer-token-9c3e"
    active = configure(
        f"""
        [platforms.generic_json]
        url_template = "{sim.url}/hackernews/firebase/v0/item/{{id}}.json"
        metrics = {HN_METRICS}
    """,
        env={"GENERIC_JSON_TOKEN": token},
    )
    [post] = _hn_posts(sim, 1)
    sim_admin("faults", {"platform": "hackernews", "queue": ["malformed"]})
    with pytest.raises(BadResponse) as info:
        list(active.collector.sample([Target("generic_json", post.key)]))
    assert caplog.records and token not in caplog.text and token not in str(info.value)


# -- rate limits and faults -----------------------------------------------------------------------


def test_generic_json_429_retry_after_sets_retry_at(answer, configure, clock):
    server = answer({"error": "slow down"}, status=429, headers={"Retry-After": "120"})
    active = configure(_items_config(server.url))
    with pytest.raises(RateLimited) as info:
        list(active.collector.sample([Target("generic_json", "1")]))
    assert info.value.retry_at == clock.now() + timedelta(seconds=120)


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_generic_json_transient_fault_is_retried_then_succeeds(sim, sim_admin, hn, fault):
    [post] = _hn_posts(sim, 1)
    sim_admin("faults", {"platform": "hackernews", "queue": [fault]})
    [record] = list(hn.collector.sample([Target("generic_json", post.key)]))
    assert isinstance(record, Sample) and hn.http.stats.retries == 1


def test_generic_json_persistent_5xx_is_unreachable(sim, sim_admin, hn):
    [post] = _hn_posts(sim, 1)
    sim_admin("faults", {"platform": "hackernews", "queue": ["503", "503", "503"]})
    with pytest.raises(Unreachable):
        list(hn.collector.sample([Target("generic_json", post.key)]))


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_generic_json_broken_body_is_bad_response(sim, sim_admin, hn, fault):
    [post] = _hn_posts(sim, 1)
    sim_admin("faults", {"platform": "hackernews", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(hn.collector.sample([Target("generic_json", post.key)]))
    assert "\n" not in str(info.value)


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('url_template = "https://a.example/{id}"\nmetrics = { claps = "claps" }', "unknown metric 'claps'"),
        ('url_template = "https://a.example/{id}"\nmax_batch = 10', "needs an {ids} placeholder"),
        ('url_template = "https://a.example/?ids={ids}"\nmax_batch = 10', "needs items_path"),
        ('url_template = "https://a.example/items"', "exactly one of the placeholders"),
        ('url_template = "/items/{id}"', "absolute http(s) URL"),
        ('url_pattern = "item/(\\\\d+"', "not a regular expression"),
        ('url_pattern = "item/\\\\d+"', "exactly one group"),
        ("metrics = { views = 3 }", "must be a string"),
    ],
)
def test_generic_json_bad_settings_are_one_line_config_errors(configure, table, message):
    with pytest.raises(ConfigError, match="generic_json") as info:
        configure(f"[platforms.generic_json]\n{table}\n")
    assert message in str(info.value) and "\n" not in str(info.value)


# -- real sample -----------------------------------------------------------------------------------


def test_generic_json_reads_the_real_hacker_news_item_sample(replay, configure):
    server = replay("hackernews")
    active = configure(f"""
        [platforms.generic_json]
        url_template = "{server.url}/v0/item/{{id}}.json"
        metrics = {HN_METRICS}
    """)
    [record] = list(active.collector.sample([Target("generic_json", "8863")]))
    assert record.metrics == {"score": 111, "comments": 71}
    assert server.requests == ["/v0/item/8863.json?"]
