"""Per-site article-key rules ([[sites]] keep_prefixes, keep_http): canonicalisation stays
idempotent under any rules, a rule only ever keeps copies apart (never joins two articles the
defaults keep apart), and it applies to its own site family only."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.config import from_mapping
from tracker.errors import ConfigError, UnknownURL
from tracker.urls import PRESENTATION_PREFIXES, UrlRules, canonicalize, site_of

from .test_urls_real_web import DIFFERENT, SAME

FAMILY = st.sampled_from(["example.com", "news.example.org", "bbc.co.uk"])
PREFIX = st.sampled_from(["", "www.", "m.", "mobile.", "amp.", "www.m.", "m.www."])
SCHEME = st.sampled_from(["http", "https", "HTTP"])
PATH = st.sampled_from(["/", "/a", "/a/", "/a/b.html", "/amp/a", "/a?id=1&utm_source=x", "/a#top"])
KEEP = st.lists(st.sampled_from(PRESENTATION_PREFIXES), unique=True, max_size=4).map(tuple)
RULES = st.lists(st.tuples(FAMILY, KEEP, st.booleans()), max_size=3).map(UrlRules.of)


@given(SCHEME, PREFIX, FAMILY, PATH, RULES)
def test_canonicalisation_is_idempotent_under_any_site_rules(scheme, prefix, family, path, rules):
    key = canonicalize(f"{scheme}://{prefix}{family}{path}", rules)
    assert canonicalize(key, rules) == key


@given(SCHEME, PREFIX, FAMILY, PATH, SCHEME, PREFIX, PATH, RULES)
def test_a_rule_only_keeps_apart_what_the_defaults_join(s1, p1, family, path1, s2, p2, path2, rules):
    first, second = f"{s1}://{p1}{family}{path1}", f"{s2}://{p2}{family}{path2}"
    if canonicalize(first, rules) == canonicalize(second, rules):
        assert canonicalize(first) == canonicalize(second)


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_articles_the_defaults_keep_apart_stay_apart_under_every_rule(first, second):
    every = UrlRules.of(
        [(f, PRESENTATION_PREFIXES, True) for f in ("example.com", "example.org", "news.example.com")]
    )
    with contextlib.suppress(UnknownURL):  # a URL the defaults also refuse
        assert canonicalize(first, every) != canonicalize(second, every)


@pytest.mark.parametrize(("url", "key"), SAME)
def test_without_rules_the_listed_copies_still_share_one_key(url, key):
    assert canonicalize(url, UrlRules()) == key


def test_m_host_stays_apart_for_that_site_only():
    rules = UrlRules.of([("https://www.example.com", ("m.",), False)])
    assert canonicalize("https://m.example.com/a", rules) == "https://m.example.com/a/"
    assert canonicalize("https://example.com/a", rules) == "https://example.com/a/"
    assert canonicalize("https://www.example.com/a", rules) == "https://example.com/a/"
    assert canonicalize("https://mobile.example.com/a", rules) == "https://example.com/a/"  # only m. kept
    assert canonicalize("https://www.m.example.com/a", rules) == "https://m.example.com/a/"
    # another site keeps the default: its m. host is the same publication
    assert canonicalize("https://m.other.com/a", rules) == canonicalize("https://other.com/a", rules)
    assert site_of("https://m.example.com/a", rules) == "m.example.com"


def test_www_and_the_bare_host_can_be_two_sites():
    rules = UrlRules.of([("example.edu", ("www.",), False)])
    assert canonicalize("http://www.example.edu/a", rules) == "https://www.example.edu/a/"
    assert canonicalize("http://example.edu/a", rules) == "https://example.edu/a/"


def test_keep_http_keeps_the_scheme_for_that_site_only():
    rules = UrlRules.of([("https://legacy.example.net", (), True)])
    assert canonicalize("http://legacy.example.net/a", rules) == "http://legacy.example.net/a/"
    assert canonicalize("https://legacy.example.net/a", rules) == "https://legacy.example.net/a/"
    assert canonicalize("http://www.legacy.example.net/a", rules) == "http://legacy.example.net/a/"
    assert canonicalize("http://other.example.net/a", rules) == "https://other.example.net/a/"


def test_amp_cache_urls_follow_the_publishers_rule():
    rules = UrlRules.of([("example.com", ("m.",), False)])
    cache = "https://m-example-com.cdn.ampproject.org/c/s/m.example.com/a.amp.html"
    assert canonicalize(cache, rules) == "https://m.example.com/a.html"


def test_entries_of_one_family_are_united():
    rules = UrlRules.of(
        [("https://example.com", ("m.",), False), ("https://www.example.com", ("amp.",), True)]
    )
    rule = rules.for_host("mobile.example.com")
    assert rule.keep_prefixes == ("m.", "amp.") and rule.keep_http


def test_config_reads_the_rules_and_spells_prefixes_with_their_dot():
    config = from_mapping(
        {
            "sites": [
                {"url": "https://www.example.com", "keep_prefixes": ["m", "M."]},
                {"url": "https://legacy.example.net", "keep_http": True},
                {"url": "https://plain.example.org"},
            ]
        }
    )
    assert config.sites[0].keep_prefixes == ("m.",)
    assert config.url_rules == UrlRules.of(
        [("example.com", ("m.",), False), ("legacy.example.net", (), True)]
    )
    assert from_mapping({"sites": [{"url": "https://a.example"}]}).url_rules == UrlRules()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["news."], "sites[0].keep_prefixes[0] must be one of 'www.', 'm.', 'mobile.', 'amp.', got 'news.'"),
        ("m.", "sites[0].keep_prefixes must be a list, got a string"),
        ([1], "sites[0].keep_prefixes[0] must be"),
    ],
)
def test_bad_keep_prefixes_are_one_line_errors(value, message):
    with pytest.raises(ConfigError) as raised:
        from_mapping({"sites": [{"url": "https://example.com", "keep_prefixes": value}]})
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_keep_http_must_be_a_boolean():
    with pytest.raises(ConfigError, match=r"sites\[0\]\.keep_http must be"):
        from_mapping({"sites": [{"url": "https://example.com", "keep_http": "yes"}]})
