"""The collector contract: the records a platform module emits and the shape it must have.

A platform is one module in `collectors/` exposing:

    NAME: str                      equals the module name and the config section [platforms.NAME]
    ROLES: tuple[Role, ...]        what the framework asks of it (KNOWN_ROLES below); each role
                                   needs its method, and an optional method needs its role
    LIMITS: Limits                 the documented budget and batch size (cite the docs in docs/platforms.md)
    CREDENTIALS: tuple[Credential, ...]   secrets it may use, by env-var name
    Settings: type                 frozen dataclass; every field has a default; *_url fields are base URLs
    NEEDS: tuple[str, ...]         optional: top-level config it receives as the Settings field of
                                   the same name (today only "sites", the [[sites]] tables)
    COLOR: str                     optional: "#rrggbb", the platform's colour on every chart
    Collector: type                Collector(http, settings, credentials, clock); subclass
                                   tracker.collector_base.CollectorBase and write connect()
    limits_for(credentials, settings) -> Limits   optional: when the budget depends on them (Reddit's
                                          OAuth, generic_json's configured batch size)
    unusable(settings) -> str | None      optional: why these settings cannot work (then the platform is off)

and the Collector instance offers

    identify(url) -> str | None            the item key if this URL is one of the platform's posts (no I/O)
    sample(targets) -> Iterator[Sample | Gone]     len(targets) <= LIMITS.max_batch; one request a batch
    find_shares(article) -> Iterator[Discovery]         optional: posts on the platform linking an article URL
    discover(cursors) -> Iterator[Discovery | Sample | Cursor]   optional: a discovery source (feeds, trends);
                                            `cursors` maps source -> the JSON value it last yielded
    resolve(item_key) -> str                optional: turn a syntactic key into the API's id (Bluesky handles,
                                            Reddit share links); UnknownURL when the platform says it names
                                            nothing, a CollectorError when it cannot say right now
    unresolved(item_key) -> bool            optional, with resolve: the key still needs resolve (no I/O); the
                                            runner resolves such keys before sampling them
    batch_group(target) -> str              optional: targets of different groups never share a batch
                                            (one Mastodon instance per request)

Collectors raise `tracker.errors.CollectorError` subclasses and never sleep, read the
environment, or touch storage. Numbers are ints; a count the platform did not give is absent
from `metrics`, never 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, TypeAlias

from tracker import metrics as metric_catalog
from tracker.errors import ContractViolation

# samples            sample(): counts of the platform's own posts (sample rounds)
# searches_shares    find_shares(): posts on the platform that link an article (share rounds)
# discovers_articles discover(): the newsroom's own articles (feeds, sitemaps); trusted as ours,
#                    and they are articles, never items of the platform
# reads_trends       discover(): trending lists and front pages; links count only when they are
#                    ours, and the posts become items of the platform
Role = Literal["samples", "searches_shares", "discovers_articles", "reads_trends"]
KNOWN_ROLES: tuple[Role, ...] = ("samples", "searches_shares", "discovers_articles", "reads_trends")
GoneReason = Literal["deleted", "private", "not_found", "removed"]
JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
HeaderStyle = Literal["ietf", "x", "reddit", "mastodon", "facebook", "none"]
ErrorStyle = Literal["plain", "facebook", "google", "x"]  # how error bodies say "throttled"/"refused"


@dataclass(frozen=True)
class Limits:
    """A platform's documented budget, declared once per module."""

    requests: int  # requests allowed ...
    per_seconds: float  # ... per this many seconds, per credential
    max_batch: int  # most item ids one request may carry (1 = no batch endpoint)
    min_resample_s: float = 60.0  # never sample one item more often than this
    header_style: HeaderStyle = "none"  # which rate-limit header family the platform sends
    error_style: ErrorStyle = "plain"  # how its error bodies say throttled / refused (tracker.errorstyles)
    quota_per_day: int | None = None  # a daily unit quota (YouTube), counted by the HTTP seam
    quota_cost: int = 1  # units one request spends
    quota_reset_tz: str = "America/Los_Angeles"  # the quota day's time zone


@dataclass(frozen=True)
class Credential:
    """A secret a platform may use. Only the environment-variable *name* lives in config."""

    name: str
    env: str
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Target:
    """One thing to sample on one platform."""

    platform: str
    item_key: str
    url: str | None = None


@dataclass(frozen=True)
class Sample:
    """One observation of one item. `metrics` keys are counts of the metric catalog
    (`METRICS`, sql/seeds/metrics.csv), `gauges` keys its gauges (`GAUGES`)."""

    platform: str
    item_key: str
    observed_at: datetime
    metrics: Mapping[str, int]
    gauges: Mapping[str, float] = field(default_factory=dict)
    links_to: str | None = None  # the URL the post shares, when the answer says (attaches it to its article)


@dataclass(frozen=True)
class Gone:
    """The item is unavailable for good: the runner stops polling it."""

    target: Target
    reason: GoneReason


@dataclass(frozen=True)
class Discovery:
    """Something new: an article from a feed, or a post that shares an article."""

    platform: str
    item_key: str
    url: str | None
    title: str | None = None
    published_at: datetime | None = None
    links_to: str | None = None  # the article URL this post shares (canonicalised by the framework)
    author: str | None = None
    section: str | None = None
    kind: Literal["article", "post"] = "post"


@dataclass(frozen=True)
class Cursor:
    """A high-water mark (validators, the newest time or id seen) for one source. The framework
    stores `value` as JSON (tracker.cursors) and hands it back decoded to the next discover()."""

    platform: str
    source: str
    value: JsonValue


class Collector(Protocol):
    """What the runner calls. Optional methods are looked up with getattr."""

    def identify(self, url: str) -> str | None: ...

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]: ...


def __getattr__(name: str) -> tuple[str, ...]:
    """`METRICS` (counts) and `GAUGES`: the metric catalog's names (sql/seeds/metrics.csv, see
    tracker.metrics), read on first use rather than at import."""
    if name == "METRICS":
        return metric_catalog.counts()
    if name == "GAUGES":
        return metric_catalog.gauges()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_metrics(
    platform: str,
    metrics: Mapping[str, Any],
    gauges: Mapping[str, Any],
    catalog: metric_catalog.Catalog | None = None,
) -> None:
    """Guard used by the runner: names outside the metric catalog or non-int counts are a
    ContractViolation (the catalog replaced the database's CHECK on names)."""
    known = catalog or metric_catalog.load()
    counts, gauge_names = known.counts, known.gauges
    for name, value in metrics.items():
        if name not in counts:
            raise ContractViolation(f"{platform}: unknown metric {name!r}; use one of {', '.join(counts)}")
        if not isinstance(value, int) or isinstance(value, bool):
            raise ContractViolation(f"{platform}: metric {name} must be an int, got {type(value).__name__}")
    for name in gauges:
        if name not in gauge_names:
            raise ContractViolation(
                f"{platform}: unknown gauge {name!r}; use one of {', '.join(gauge_names)}"
            )
