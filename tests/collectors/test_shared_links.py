"""Every platform that reports a shared link joins it, and platform URL variants are
recognised as the post they show; over real HTTP on loopback (recorded answers and the simulator)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tracker.collector import Sample, Target
from tracker.errors import BadResponse


def test_a_tracked_mastodon_status_carries_its_card_url(replay, make_collector):
    server = replay("mastodon", ["status"])
    host = urlsplit(server.url).netloc
    collector = make_collector("mastodon", instances=(server.url,)).collector
    [record] = collector.sample([Target("mastodon", f"{host}/114495612783370265")])
    assert isinstance(record, Sample)
    assert record.links_to == "https://news.example.com/2025/05/12/seoul-tokyo-drum-duet-goes-viral/"


def test_hackernews_http_404_is_an_error_not_a_reason_to_retire(answer_at, make_collector):
    server = answer_at("/v0/item/8863.json", {"id": 8863}, status=200)  # any other path answers 404
    collector = make_collector("hackernews", firebase_url=server.url + "/wrong-base").collector
    targets = [Target("hackernews", "8863"), Target("hackernews", "8864")]
    with pytest.raises(BadResponse, match="wrong base URL"):
        list(collector.sample(targets))


@pytest.mark.parametrize(
    ("platform", "url", "key"),
    [
        ("x", "https://fxtwitter.com/jack/status/20", "20"),
        ("x", "https://vxtwitter.com/jack/status/20/photo/1", "20"),
        ("x", "https://fixupx.com/jack/status/20", "20"),
        ("x", "https://nitter.net/jack/status/20#m", "20"),
        (
            "youtube",
            "https://www.youtube.com/attribution_link?a=xyz&u=/watch%3Fv%3DdQw4w9WgXcQ%26feature%3Dshare",
            "dQw4w9WgXcQ",
        ),
        ("reddit", "https://sh.reddit.com/r/news/comments/1abcde/some_title/", None),
        ("reddit", "https://amp.reddit.com/r/news/comments/1abcde/some_title/", None),
        ("reddit", "https://i.reddit.com/r/news/comments/1abcde/", None),
    ],
)
def test_platform_url_variants_are_recognised(make_collector, platform, url, key):
    env = {
        "X_BEARER_TOKEN": "t",
        "YOUTUBE_API_KEY": "k",
        "REDDIT_CLIENT_ID": "i",
        "REDDIT_CLIENT_SECRET": "s",
    }
    collector = make_collector(platform, env=env).collector
    found = collector.identify(url)
    if key is None:  # reddit keys are its own fullname form; the same post from www.reddit.com
        assert found is not None
        assert found == collector.identify(url.replace(urlsplit(url).hostname, "www.reddit.com"))
    else:
        assert found == key
