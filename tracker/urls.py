"""Canonical article URLs: the join key between an article and the posts that share it.

Two URLs that a reader would call "the same article" must canonicalise to the same string:
lower-case scheme and host, no fragment, no default port, no tracking parameters, one
trailing-slash form, AMP variants folded, and the remaining query parameters sorted.
Canonicalisation is idempotent: canonicalize(canonicalize(u)) == canonicalize(u).
Following a page's rel=canonical needs HTTP and lives in the `feeds` collector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tracker.errors import UnknownURL

# Parameters that identify a click, a campaign or a share, never the article. Names (facts, not
# code) from the general section of AdGuard's URL Tracking filter (AdguardTeam/AdguardFilters,
# TrackParamFilter) and the ClearURLs rules (ClearURLs/Rules, "globalRules"), checked against
# real shared links; `si` is in HOST_TRACKING_PARAMS because on other hosts it can be content.
TRACKING_PARAMS = frozenset(
    {
        # ad and social click ids
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
        "igshid",
        "igsh",
        "mibextid",
        "epik",
        "srsltid",
        "rb_clickid",
        "s_kwcid",
        # Facebook share and action parameters
        "fb_action_ids",
        "fb_action_types",
        "fb_comment_id",
        "fb_ref",
        "fb_source",
        "action_object_map",
        "action_ref_map",
        "action_type_map",
        # mail and marketing platforms
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
        "sc_cid",
        "elqtrack",
        "elqtrackid",
        "trkcampaign",
        # news sites' own campaign tags
        "xtor",
        "xtref",
        "ncid",
        "ocid",
        "cmpid",
        "cid_source",
        "smid",
        "smtyp",
        "s_cid",
        "wt_mc",
        "wt.mc_id",
        "wt_zmc",
        "at_medium",
        "at_campaign",
        "ito",
        "itm_source",
        "itm_medium",
        "itm_campaign",
        "itm_content",
        "itm_term",
        "soc_src",
        "soc_trk",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "mbid",
        "c_id",
        "campaign_id",
        "echobox",
        "__twitter_impression",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "_openstat",
        "asgtbndr",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
        "ga_source",
        "ga_medium",
        "ga_campaign",
        "ga_content",
        "ga_term",
        # AMP and Google cache variants
        "amp",
        "outputtype",
        "usqp",
        "amp_js_v",
        "amp_gsa",
        "amp_r",
        "amp_lite",
        "ampshare",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_", "__hs", "_hs", "amp_", "ga_", "itm_", "ns_")
# Parameters that are tracking only on some hosts (elsewhere `si` may be a search or a page).
HOST_TRACKING_PARAMS: dict[str, frozenset[str]] = {
    "youtube.com": frozenset({"si", "feature", "pp"}),
    "youtu.be": frozenset({"si", "feature"}),
    "open.spotify.com": frozenset({"si", "context"}),
    "instagram.com": frozenset({"igsh", "img_index"}),
    "x.com": frozenset({"s", "t", "ref_src"}),
    "twitter.com": frozenset({"s", "t", "ref_src"}),
    "reddit.com": frozenset({"share_id", "utm_name", "rdt"}),
    "linkedin.com": frozenset({"trackingid", "refid", "lipi", "trk"}),
    "tiktok.com": frozenset({"is_from_webapp", "sender_device", "_r", "_t"}),
}
DEFAULT_PORTS = {"http": 80, "https": 443}
# Sub-domains that name a presentation of the same site, not another site; folded by default
# (only while at least two labels remain: amp.dev and m.tech are sites of their own).
PRESENTATION_PREFIXES = ("www.", "m.", "mobile.", "amp.")
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_AMP_PATH_SUFFIX = re.compile(r"/amp/?$|\.amp(?=\.html?$)|\.amp$", re.I)
_AMP_PATH_PREFIX = re.compile(r"^/amp(?=/)", re.I)
# Google AMP cache: https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a.amp.html
_AMP_CACHE_PATH = re.compile(r"^/(?:[a-z]/)*?(?:c|v|i|wp|r)/(s/)?([^/]+)(/.*)?$", re.I)
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_UNRESERVED_NOT_DOT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
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


def is_tracking_param(name: str, host: str = "") -> bool:
    lowered = name.lower()
    if lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES):
        return True
    return lowered in HOST_TRACKING_PARAMS.get(_registered(host), frozenset())


def _registered(host: str) -> str:
    """The host without presentation prefixes (www.youtube.com -> youtube.com)."""
    return fold_host(host)


@dataclass(frozen=True)
class SiteRule:
    """How one site family (a host and its www./m./mobile./amp. forms) is keyed, when it
    differs from the default: `keep_prefixes` names presentation prefixes that are another
    publication there (m.example.com is not example.com), `keep_http` keeps http:// and
    https:// copies apart (a site that serves different pages on each)."""

    keep_prefixes: tuple[str, ...] = ()
    keep_http: bool = False


DEFAULT_RULE = SiteRule()


@dataclass(frozen=True)
class UrlRules:
    """The per-site exceptions to the default canonical rules, by base host (the site's host
    with every presentation prefix folded). Built once from the [[sites]] tables
    (`Config.url_rules`) and passed to everything that makes an article key; no rules means the
    defaults everywhere (fold www./m./mobile./amp., https for http)."""

    sites: tuple[tuple[str, SiteRule], ...] = field(default=())

    @classmethod
    def of(cls, entries: Iterable[tuple[str, tuple[str, ...], bool]]) -> UrlRules:
        """From (site URL or host, keep_prefixes, keep_http); entries of one family are united."""
        merged: dict[str, SiteRule] = {}
        for where, keep, keep_http in entries:
            if not keep and not keep_http:
                continue
            host = (urlsplit(where).hostname if "//" in where else where) or ""
            base = fold_host(host.lower().rstrip("."))
            if not base:
                continue
            old = merged.get(base, DEFAULT_RULE)
            prefixes = tuple(p for p in PRESENTATION_PREFIXES if p in keep or p in old.keep_prefixes)
            merged[base] = SiteRule(prefixes, keep_http or old.keep_http)
        return cls(tuple(sorted(merged.items())))

    def for_host(self, host: str) -> SiteRule:
        """The rule of the family `host` belongs to (DEFAULT_RULE when none is configured)."""
        if not self.sites:
            return DEFAULT_RULE
        base = fold_host(host)
        for name, rule in self.sites:
            if name == base:
                return rule
        return DEFAULT_RULE


NO_RULES = UrlRules()


def fold_host(host: str, keep: tuple[str, ...] = ()) -> str:
    """www., m., mobile. and amp. removed (repeatedly) while two labels remain; `keep` names
    prefixes a site uses for a different site (a per-site rule)."""
    changed = True
    while changed:
        changed = False
        for prefix in PRESENTATION_PREFIXES:
            if prefix in keep:
                continue
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, changed = rest, True
    return host


def canonicalize(url: str, rules: UrlRules = NO_RULES) -> str:
    """The canonical form of an http(s) URL; UnknownURL for anything that is not one.

    One key per article: https for http on default ports (the same article is served on
    both), presentation sub-domains folded (`rules` holds the per-site exceptions:
    prefixes that name another publication, http kept apart from https),
    tracking and AMP parameters dropped (`&amp;` in a query read as `&`), Google AMP cache
    URLs turned back into the publisher's, dot segments resolved, percent-escapes of
    unreserved characters decoded, while `/a//b` and `/a/b`, `AC%2FDC` and `AC/DC`, and
    `%2e%2e` and `..` stay apart."""
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
    if host.endswith(".cdn.ampproject.org") and (publisher := _from_amp_cache(parts.path, parts.query)):
        return canonicalize(publisher, rules)
    literal = ":" in host or bool(re.fullmatch(r"[0-9.]+|0x[0-9a-f.x]+", host))
    rule = DEFAULT_RULE if literal else rules.for_host(host)
    if ":" in host:  # an IPv6 literal (urlsplit checked it); it keeps its brackets
        host = f"[{host}]"
    else:
        host = host if literal else fold_host(host, rule.keep_prefixes)
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if not _HOST.fullmatch(host):
            raise UnknownURL(f"not a valid host name in {printable(text)!r}")
    if port in (None, DEFAULT_PORTS[scheme]):
        port = None
        if not literal and host != "localhost" and not rule.keep_http:
            scheme = "https"  # http and https copies of one article are one key
    netloc = host if port is None else f"{host}:{port}"
    path = _canonical_path(parts.path)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query.replace("&amp;", "&"), keep_blank_values=True)
        if not is_tracking_param(k, host) and not (k.lower() == "output" and v.lower() == "amp")
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote), ""))


def _from_amp_cache(path: str, query: str) -> str | None:
    match = _AMP_CACHE_PATH.match(path)
    if match is None:
        return None
    secure, host, rest = match.groups()
    return f"{'https' if secure else 'http'}://{host}{rest or '/'}" + (f"?{query}" if query else "")


def _canonical_path(path: str) -> str:
    path = _normalise_escapes(_remove_dot_segments(path))
    # Fold until nothing changes: removing one AMP piece can expose another ("/a/amp/amp/",
    # "/story.amp/"), and canonicalisation must be idempotent.
    while (folded := _fold_path(path)) != path:
        path = folded
    return path


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 on literal "." and ".." segments (escaped dots are not segments)."""
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") or not result else "/" + result


def _normalise_escapes(path: str) -> str:
    """Decode escapes of unreserved characters other than "." and of UTF-8 text; keep the
    rest escaped in upper case ("%2F" is not "/", "%2E" is not a dot segment); escape raw
    characters that need it ("/café" and "/caf%C3%A9" are one path)."""
    out: list[str] = []
    at = 0
    for run in _ESCAPE_RUN.finditer(path):
        out.append(quote(path[at : run.start()], safe=_PATH_SAFE))
        out.append(_escape_run(bytes.fromhex(run.group().replace("%", ""))))
        at = run.end()
    out.append(quote(path[at:], safe=_PATH_SAFE))
    return "".join(out)


def _escape_run(run: bytes) -> str:
    try:
        text = run.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(f"%{b:02X}" for b in run)
    pieces = []
    for char in text:
        if char in _UNRESERVED_NOT_DOT:
            pieces.append(char)
        elif ord(char) < 128:
            pieces.append(f"%{ord(char):02X}")
        else:
            pieces.append(quote(char, safe=""))
    return "".join(pieces)


def _fold_path(path: str) -> str:
    path = _AMP_PATH_PREFIX.sub("", path)
    path = _AMP_PATH_SUFFIX.sub("", path)
    path = re.sub(r"/index\.(html?|php)$", "/", path, flags=re.I)
    if not path or path.strip("/") == "":
        return "/"
    # One trailing-slash form: directory-like paths end in "/", file-like ones (with an
    # extension in the last segment) do not.
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if "." in last:
        return path.rstrip("/")
    return path.rstrip("/") + "/"


def site_of(url: str, rules: UrlRules = NO_RULES) -> str:
    """The host of a canonical URL (what the dashboards call the site)."""
    return urlsplit(canonicalize(url, rules)).hostname or ""
