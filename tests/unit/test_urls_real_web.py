"""One article, one key, on the URL shapes the real web produces: AMP caches and variants,
tracking parameters (AdGuard's URL Tracking filter and ClearURLs), host-specific ones, http and
https, presentation sub-domains, dot segments and escapes. Cases marked RFC 3986 are the dot
segment examples of its section 5.4 (IETF, normative text), applied to absolute paths."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tracker.urls import UrlRules, canonicalize, fold_host

SAME = [
    # Google AMP cache, amp. hosts, AMP parameters
    (
        "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a.amp.html",
        "https://example.com/a.html",
    ),
    (
        "https://www-example-com.cdn.ampproject.org/v/s/www.example.com/2026/story/amp/?amp_js_v=0.1&usqp=mq331AQGsAEggAID",
        "https://example.com/2026/story/",
    ),
    ("https://news-example-org.cdn.ampproject.org/c/news.example.org/a/1", "https://news.example.org/a/1/"),
    ("https://amp.example.com/a/1", "https://example.com/a/1/"),
    ("https://example.com/a/1?output=amp", "https://example.com/a/1/"),
    ("https://example.com/a/1?amp", "https://example.com/a/1/"),
    ("https://example.com/a/1?amp=1&amp_gsa=1&ampshare=x", "https://example.com/a/1/"),
    # &amp; written into a query by a CMS must not hide what follows it
    ("https://example.com/a?id=7&amp;utm_source=tw&amp;fbclid=x", "https://example.com/a/?id=7"),
    # tracking parameters the old list missed
    (
        "https://example.com/a?xtor=RSS-1&mibextid=Zx&mkt_tok=abc&fb_action_ids=1&fb_ref=Default",
        "https://example.com/a/",
    ),
    (
        "https://example.com/a?guccounter=1&__twitter_impression=true&Echobox=123&ocid=msn&cmpid=x",
        "https://example.com/a/",
    ),
    (
        "https://example.com/a?ito=792&itm_source=parsely-api&ns_mchannel=social&igsh=abc",
        "https://example.com/a/",
    ),
    # si is tracking on YouTube and Spotify
    (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=AbCdEf&feature=share",
        "https://youtube.com/watch/?v=dQw4w9WgXcQ",
    ),
    ("https://youtu.be/dQw4w9WgXcQ?si=XyZ", "https://youtu.be/dQw4w9WgXcQ/"),
    (
        "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk?si=abc",
        "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk/",
    ),
    # http and https; www., m., mobile.
    ("http://example.com/a/1", "https://example.com/a/1/"),
    ("http://www.example.com:80/a/1", "https://example.com/a/1/"),
    ("https://m.example.com/a/1", "https://example.com/a/1/"),
    ("https://mobile.example.com/a/1", "https://example.com/a/1/"),
    ("https://www.m.example.com/a/1", "https://example.com/a/1/"),
    # dot segments (RFC 3986 section 5.4)
    ("http://a/b/c/./../../g", "https://a/g/"),
    ("http://a/b/c/../../../g", "https://a/g/"),
    ("http://a/./g", "https://a/g/"),
    ("http://a/../g", "https://a/g/"),
    ("http://a/b/c/g.", "https://a/b/c/g."),
    ("http://a/b/c/.g", "https://a/b/c/.g"),
    ("http://a/b/c/g..", "https://a/b/c/g.."),
    ("http://a/b/c/./g/.", "https://a/b/c/g/"),
    ("http://a/b/c/g/../h", "https://a/b/c/h/"),
    ("https://example.com/a/./b", "https://example.com/a/b/"),
    ("https://example.com/a/../b", "https://example.com/b/"),
    # escapes of unreserved characters and UTF-8
    ("https://example.com/%7Euser/caf%c3%a9", "https://example.com/~user/caf%C3%A9/"),
    ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9/"),
]

DIFFERENT = [
    ("https://example.com/a//b", "https://example.com/a/b"),
    ("https://example.com/music/AC%2FDC", "https://example.com/music/AC/DC"),
    ("https://example.com/a/%2e%2e/b", "https://example.com/b"),
    ("https://example.com/a/%2E/b", "https://example.com/a/b"),
    ("https://example.com/search?si=climate", "https://example.com/search"),
    ("https://example.com/a?id=1", "https://example.com/a?id=2"),
    ("https://example.com/a?output=pdf", "https://example.com/a"),
    ("https://amp.dev/about/", "https://dev/about/"),
    ("https://m.tech/a", "https://tech/a"),
    ("https://news.example.com/a", "https://example.com/a"),
    ("http://example.com:8080/a", "https://example.com:8080/a"),
    ("https://www.youtube.com/watch?v=aaaaaaaaaaa", "https://www.youtube.com/watch?v=bbbbbbbbbbb"),
    ("https://www.youtube.com/watch?v=aaaaaaaaaaa&t=30", "https://www.youtube.com/watch?v=aaaaaaaaaaa"),
]


@pytest.mark.parametrize(("url", "key"), SAME)
def test_copies_of_one_article_share_one_key(url, key):
    assert canonicalize(url) == key
    assert canonicalize(key) == key


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_different_articles_never_share_a_key(first, second):
    assert canonicalize(first) != canonicalize(second)


def test_a_site_may_keep_a_sub_domain_that_is_another_site():
    rules = UrlRules.of([("https://example.com", ("m.",), False)])
    assert canonicalize("https://m.example.com/a", rules) == "https://m.example.com/a/"
    assert fold_host("www.bbc.co.uk") == "bbc.co.uk"


SEGMENT = st.sampled_from(
    ["a", "b", "AC%2FDC", "AC", "DC", "%2e%2e", "%2E", "x.html", "caf%C3%A9", "", "~u", "..", "."]
)
PATHS = st.lists(SEGMENT, max_size=5).map(lambda parts: "/" + "/".join(parts))
PREFIX = st.sampled_from(["", "www.", "m.", "amp.", "mobile."])
QUERY = st.sampled_from(["", "?id=1", "?id=2", "?si=x", "?utm_source=a&id=1", "?id=1&amp;xtor=RSS", "?amp"])


@given(st.sampled_from(["http", "https"]), PREFIX, PATHS, QUERY)
@example("http", "", "/a/%2e%2e/b", "")
@example("https", "www.", "/a//b/./c/..", "?id=1&amp;xtor=RSS")
def test_canonicalize_is_idempotent_on_real_web_shapes(scheme, prefix, path, query):
    once = canonicalize(f"{scheme}://{prefix}example.com{path}{query}")
    assert canonicalize(once) == once


@given(PATHS, PATHS)
def test_paths_that_differ_after_dot_segments_never_join(first, second):
    """Two paths join only when they are equal once literal dot segments are resolved and the
    trailing slash is normalised; an escaped slash, an escaped dot or a double slash keeps them apart."""
    from tracker.urls import _remove_dot_segments

    def resolved(path: str) -> str:
        return _remove_dot_segments(path).rstrip("/")

    one, two = (canonicalize(f"https://example.com{p}") for p in (first, second))
    if resolved(first).lower() != resolved(second).lower():
        assert one != two, (first, second)
