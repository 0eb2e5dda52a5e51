"""Properties of canonical article URLs (tracker.urls): the join key between articles and posts,
so every spelling a reader would call "the same article" must fold to one string."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tracker.errors import UnknownURL
from tracker.urls import TRACKING_PARAMS, canonicalize, fold_host, is_tracking_param, site_of

# --- strategies that build realistic URLs ------------------------------------------------------

LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?\Z")
TLD = st.sampled_from(["com", "org", "net", "co.uk", "de", "news", "example"])
WORD = st.from_regex(r"\A[A-Za-z0-9_~-]{1,12}\Z")
UNICODE_WORD = st.text(alphabet="aéßüñ北京ç日本 -Zz0", min_size=1, max_size=8)
EXTENSION = st.sampled_from([".html", ".htm", ".php", ".aspx", ".pdf"])


@st.composite
def hosts(draw: st.DrawFn) -> str:
    labels = draw(st.lists(LABEL, min_size=1, max_size=3))
    return ".".join([*labels, draw(TLD)])


@st.composite
def mixed_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))


@st.composite
def dir_paths(draw: st.DrawFn) -> str:
    """A directory-like path: segments without an extension, no trailing slash."""
    return "/" + "/".join(draw(st.lists(WORD.filter(lambda w: w.lower() != "amp"), min_size=1, max_size=4)))


@st.composite
def file_paths(draw: st.DrawFn) -> str:
    """A file-like path: the last segment has an extension, no trailing slash."""
    head = draw(dir_paths())
    return f"{head}{draw(EXTENSION)}"


@st.composite
def any_paths(draw: st.DrawFn) -> str:
    """Anything an article path might contain, including AMP pieces, index files, dots and
    doubled or trailing slashes, to shake out non-idempotent folding."""
    pieces = st.one_of(
        WORD,
        UNICODE_WORD,
        st.sampled_from(
            [
                "amp",
                "AMP",
                "index.html",
                "a.amp",
                "x.amp.html",
                "",
                "v1.2",
                "%7E",
                "%c3%a9",
                "caf%C3%A9",
                "100%",
                "a+b",
                ":",
                "@",
            ]
        ),
    )
    path = "/" + "/".join(draw(st.lists(pieces, max_size=6)))
    return path + draw(st.sampled_from(["", "/", "//"]))


NON_TRACKING_KEY = st.from_regex(r"\A[a-z][a-z0-9]{0,7}\Z").filter(lambda k: not is_tracking_param(k))
TRACKING_KEY = st.one_of(
    st.sampled_from(sorted(TRACKING_PARAMS)),
    st.builds(
        lambda suffix: f"utm_{suffix}", st.sampled_from(["source", "medium", "campaign", "term", "content"])
    ),
    st.sampled_from(
        ["UTM_Source", "FBCLID", "Gclid", "mc_cid", "mc_eid", "pk_campaign", "hsa_acc", "_hsenc"]
    ),
)
VALUE = st.text(alphabet="abcXYZ019 -_.~&=+/?é", max_size=8)
PARAMS = st.lists(st.tuples(NON_TRACKING_KEY, VALUE), max_size=4)
TRACKING = st.lists(st.tuples(TRACKING_KEY, VALUE), max_size=4)
FRAGMENT = st.one_of(st.just(""), st.from_regex(r"\A[A-Za-z0-9_:=&/-]{0,12}\Z"))


def _query(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, quote_via=quote)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(mixed_case("https" if draw(st.booleans()) else "http"))
    host = draw(mixed_case(draw(hosts())))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    pairs = draw(st.permutations(draw(PARAMS) + draw(TRACKING)))
    query = _query(list(pairs))
    fragment = draw(FRAGMENT)
    url = f"{scheme}://{host}{port}{draw(any_paths())}"
    if query or draw(st.booleans()):
        url += "?" + query
    if fragment or draw(st.booleans()):
        url += "#" + fragment
    return url


# --- properties ---------------------------------------------------------------------------------


@given(urls())
@example("https://example.com/a/amp/amp/")
@example("https://example.com/story.amp/")
@example("https://amp.amp.example.com/story/")
@example("https://example.com//amp//amp//index.html")
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize(url)
    assert canonicalize(once) == once


@given(urls())
def test_canonical_url_never_keeps_a_fragment(url: str) -> None:
    canonical = canonicalize(url)
    assert "#" not in canonical
    assert urlsplit(canonical).fragment == ""


@given(hosts(), dir_paths(), PARAMS, TRACKING)
def test_tracking_parameters_are_removed_and_the_rest_kept_sorted(
    host: str, path: str, params: list[tuple[str, str]], tracking: list[tuple[str, str]]
) -> None:
    mixed = (
        [p for pair in zip(tracking, params, strict=False) for p in pair]
        + params[len(tracking) :]
        + tracking[len(params) :]
    )
    canonical = canonicalize(f"https://{host}{path}?{_query(mixed)}")
    kept = parse_qsl(urlsplit(canonical).query, keep_blank_values=True)
    assert kept == sorted(params)
    assert not any(is_tracking_param(name) for name, _ in kept)


@pytest.mark.parametrize(
    "name",
    [
        "utm_source",
        "UTM_CAMPAIGN",
        "utm_anything_new",
        "fbclid",
        "gclid",
        "mc_cid",
        "mc_eid",
        "msclkid",
        "igshid",
        "_ga",
        "pk_kwd",
        "hsa_cam",
        "amp",
    ],
)
def test_known_tracking_names_are_recognised(name: str) -> None:
    assert is_tracking_param(name)


@pytest.mark.parametrize("name", ["id", "page", "q", "story", "p", "article_id", "lang"])
def test_ordinary_parameters_are_not_tracking(name: str) -> None:
    assert not is_tracking_param(name)


@given(st.sampled_from(["http", "https"]), hosts(), dir_paths(), st.data())
def test_scheme_and_host_are_lower_cased_but_the_path_is_not(
    scheme: str, host: str, path: str, data: st.DataObject
) -> None:
    shouted = f"{data.draw(mixed_case(scheme))}://{data.draw(mixed_case(host))}{path}"
    canonical = canonicalize(shouted)
    assert canonical == canonicalize(f"{scheme}://{host}{path}")
    parts = urlsplit(canonical)
    assert parts.scheme == "https"  # http and https copies are one key
    assert parts.netloc == fold_host(host)  # www., m., mobile., amp. folded
    assert parts.path == path + "/"


@given(hosts(), dir_paths())
def test_default_ports_are_dropped(host: str, path: str) -> None:
    assert canonicalize(f"http://{host}:80{path}") == canonicalize(f"http://{host}{path}")
    assert canonicalize(f"https://{host}:443{path}") == canonicalize(f"https://{host}{path}")


@given(hosts(), dir_paths(), st.integers(1, 65535).filter(lambda p: p not in (80, 443)))
def test_other_ports_are_kept(host: str, path: str, port: int) -> None:
    assert urlsplit(canonicalize(f"https://{host}:{port}{path}")).port == port
    # 443 is only default for https: on http it is a real, different port.
    assert urlsplit(canonicalize(f"http://{host}:443{path}")).port == 443


@given(hosts(), dir_paths())
def test_directory_like_paths_have_one_form_ending_in_a_slash(host: str, path: str) -> None:
    forms = {
        canonicalize(f"https://{host}{path}"),
        canonicalize(f"https://{host}{path}/"),
        canonicalize(f"https://{host}{path}//"),
    }
    assert len(forms) == 1
    assert forms.pop().endswith(path + "/")


@given(hosts(), file_paths())
def test_file_like_paths_have_one_form_without_a_trailing_slash(host: str, path: str) -> None:
    forms = {canonicalize(f"https://{host}{path}"), canonicalize(f"https://{host}{path}/")}
    assert len(forms) == 1
    assert forms.pop().endswith(path)


@given(hosts(), dir_paths(), PARAMS)
def test_amp_variants_of_an_article_fold_to_the_plain_article(
    host: str, path: str, params: list[tuple[str, str]]
) -> None:
    query = "?" + _query(params) if params else ""
    plain = canonicalize(f"https://{host}{path}/{query}")
    sep = "&" if params else "?"
    variants = [
        f"https://{host}{path}/amp/{query}",
        f"https://{host}{path}/amp{query}",
        f"https://{host}/amp{path}/{query}",
        f"https://amp.{host}{path}/{query}",
        f"https://{host}{path}/{query}{sep}amp=1",
    ]
    assert {canonicalize(v) for v in variants} == {plain}


@given(hosts(), dir_paths())
def test_amp_html_variant_folds_to_the_html_article(host: str, path: str) -> None:
    assert canonicalize(f"https://{host}{path}.amp.html") == canonicalize(f"https://{host}{path}.html")


def test_a_host_that_merely_starts_with_amp_is_not_folded() -> None:
    assert canonicalize("https://amp.dev/about/") == "https://amp.dev/about/"
    assert canonicalize("https://amp.example.com/a/") == "https://example.com/a/"


@given(hosts(), st.lists(UNICODE_WORD.map(lambda w: f"x{w}x"), min_size=1, max_size=3))
def test_percent_encoding_is_normalised(host: str, segments: list[str]) -> None:
    raw = "/" + "/".join(segments)
    encoded = quote(raw)
    lower_hex = "".join(
        c.lower() if (i and encoded[i - 1] == "%") or (i > 1 and encoded[i - 2] == "%") else c
        for i, c in enumerate(encoded)
    )
    forms = {
        canonicalize(f"https://{host}{raw}"),
        canonicalize(f"https://{host}{encoded}"),
        canonicalize(f"https://{host}{lower_hex}"),
    }
    assert len(forms) == 1
    canonical = forms.pop()
    assert canonical.isascii()
    assert " " not in canonical


def test_percent_encoding_examples() -> None:
    assert canonicalize("https://example.com/caf%c3%a9") == "https://example.com/caf%C3%A9/"
    assert canonicalize("https://example.com/café") == "https://example.com/caf%C3%A9/"
    assert canonicalize("https://example.com/%7Euser/") == "https://example.com/~user/"
    assert canonicalize("https://example.com/a?q=a%20b") == canonicalize("https://example.com/a?q=a+b")


@given(
    st.text(alphabet="abcdéüßñçø北京", min_size=1, max_size=10).filter(lambda s: not s.isascii()),
    st.sampled_from(["com", "de", "example"]),
)
def test_idn_hosts_become_punycode(label: str, tld: str) -> None:
    canonical = canonicalize(f"https://{label}.{tld}/a/")
    host = urlsplit(canonical).hostname
    assert host is not None and host.isascii()
    assert host == f"{label}.{tld}".encode("idna").decode("ascii")
    assert canonicalize(canonical) == canonical


def test_idn_example() -> None:
    assert canonicalize("https://Bücher.example/Straße") == "https://xn--bcher-kva.example/Stra%C3%9Fe/"


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert canonicalize("http://[::1]:8080/a") == "http://[::1]:8080/a/"
    assert canonicalize("http://[::1]:8080/a/") == canonicalize("http://[::1]:8080/a/")


def test_a_full_example() -> None:
    url = "HTTPS://News.Example.COM:443/2025/05/12/Drum-Duet/amp/?utm_source=tw&b=2&a=1&fbclid=x#comments"
    assert canonicalize(url) == "https://news.example.com/2025/05/12/Drum-Duet/?a=1&b=2"


def test_site_of_is_the_canonical_host() -> None:
    assert site_of("https://AMP.News.Example.com:443/a/amp/?utm_source=x") == "news.example.com"


# --- malformed input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "news.example.com/2025/05/12/story/",  # no scheme
        "//news.example.com/story/",  # scheme-relative
        "ftp://news.example.com/story.txt",
        "mailto:desk@example.com",
        "javascript:alert(1)",
        "http://",
        "https:///path-only",
        "https://news.example.com:99999/story/",  # port out of range
        "https://news.example.com:http/story/",  # port not a number
        "",
        "   ",
        "\t\n",
        "https://news .example.com/story/",  # whitespace inside the host
        "https://" + "a" * 64 + ".example.com/",  # a host label longer than 63
        "x" * 100_000,
        "\x00\x01garbage\nwith\nnewlines" * 500,
    ],
)
def test_malformed_input_is_unknown_url_with_a_one_line_message(url: str) -> None:
    with pytest.raises(UnknownURL) as info:
        canonicalize(url)
    message = str(info.value)
    assert message
    assert "\n" not in message and "\r" not in message
    assert len(message) < 400


def test_surrounding_whitespace_is_ignored() -> None:
    assert canonicalize("  https://example.com/a \n") == "https://example.com/a/"
