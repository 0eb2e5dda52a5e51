"""Canonical article URLs: the join key between an article and the posts that share it.

Two URLs that a reader would call "the same article" must canonicalise to the same string:
lower-case scheme and host, no fragment, no default port, no tracking parameters, one
trailing-slash form, AMP variants folded, and the remaining query parameters sorted.
Canonicalisation is idempotent: canonicalize(canonicalize(u)) == canonicalize(u).
Following a page's rel=canonical needs HTTP and lives in `tracker.discovery`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from tracker.errors import UnknownURL

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "si",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "ocid",
        "_ga",
        "_gl",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
        "at_medium",
        "at_campaign",
        "smid",
        "smtyp",
        "s_cid",
        "amp",
        "outputtype",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_", "__hs", "_hs")
DEFAULT_PORTS = {"http": 80, "https": 443}
# "amp." in front of a host that still has a dot after it (amp.example.com, not amp.dev).
_AMP_SUBDOMAIN = re.compile(r"^(?:amp\.)+(?=[^.]+\.)")
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_AMP_PATH_SUFFIX = re.compile(r"/amp/?$|\.amp(?=\.html?$)|\.amp$", re.I)
_AMP_PATH_PREFIX = re.compile(r"^/amp(?=/)", re.I)


MAX_INPUT_URL = 2048  # the de-facto limit of browsers and CDNs; nothing longer is a pasted link
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """A URL as it may appear in an error: no password, no control characters, bounded."""
    shown = _CONTROL.sub("?", text.encode("utf-8", "replace").decode("utf-8"))
    shown = re.sub(r"(?<=://)[^/@?#]*@", "***@", shown)
    return shown[:200] + ("…" if len(shown) > 200 else "")


def check_input(url: str) -> str:
    """A URL typed or pasted by a person, or UnknownURL in one line that never echoes a password."""
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:  # argv bytes that were not UTF-8 arrive as lone surrogates
        raise UnknownURL(f"not valid UTF-8: {printable(url)!r}") from None
    if _CONTROL.search(url):
        raise UnknownURL(f"control characters (CR, LF, ...) in URL: {printable(url)!r}")
    if len(url) > MAX_INPUT_URL:
        raise UnknownURL(f"URL of {len(url)} characters is longer than {MAX_INPUT_URL}: {printable(url)!r}")
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise UnknownURL(f"not a valid URL: {printable(url)!r} ({exc})") from None
    if "@" in parts.netloc:
        raise UnknownURL(f"URL with a user name or password refused: {printable(url)!r}")
    return url.strip()


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """The canonical form of an http(s) URL; UnknownURL for anything that is not one."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UnknownURL(f"not a valid URL: {printable(text)!r} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise UnknownURL(f"not an http(s) URL: {printable(text)!r}")
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # an IPv6 literal (urlsplit checked it); it keeps its brackets
        host = f"[{host}]"
    else:
        host = _AMP_SUBDOMAIN.sub("", host)
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if not _HOST.fullmatch(host):
            raise UnknownURL(f"not a valid host name in {printable(text)!r}")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _canonical_path(parts.path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote), ""))


def _canonical_path(path: str) -> str:
    # Normalise percent-encoding (decode, then re-encode the unsafe characters) so that
    # "/caf%C3%A9" and "/café" are one article.
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    # Fold until nothing changes: removing one AMP piece can expose another ("/a/amp/amp/",
    # "/story.amp/"), and canonicalisation must be idempotent.
    while (folded := _fold_path(path)) != path:
        path = folded
    return path


def _fold_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path)
    path = _AMP_PATH_PREFIX.sub("", path)
    path = _AMP_PATH_SUFFIX.sub("", path)
    path = re.sub(r"/index\.(html?|php)$", "/", path, flags=re.I)
    if not path or path == "/":
        return "/"
    # One trailing-slash form: directory-like paths end in "/", file-like ones (with an
    # extension in the last segment) do not.
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if "." in last:
        return path.rstrip("/")
    return path if path.endswith("/") else path + "/"


def site_of(url: str) -> str:
    """The host of a canonical URL (what the dashboards call the site)."""
    return urlsplit(canonicalize(url)).hostname or ""
