"""What the news site's Most Popular box asks for, shared by the JSON (`dashboards.api`) and the
embeddable HTML (`dashboards.embed`): parameter parsing that refuses what it does not know, one
cached ranking per distinct request, and an ETag that changes only when the ranking does."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from dashboards import format as fmt
from dashboards.data import DEFAULT_WINDOW, MAX_LIMIT, WINDOWS, Data, Filters, Result

DEFAULT_LIMIT = 10
PARAMS = ("window", "limit", "platform", "site", "section", "author")
_PLATFORM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_TEXT = 200


class BadParameter(ValueError):
    """A query-string value we refuse; its message is the one-line error the caller sees."""


@dataclass(frozen=True)
class BoxQuery:
    window: str
    limit: int
    filters: Filters


DEFAULT = BoxQuery(DEFAULT_WINDOW, DEFAULT_LIMIT, Filters())  # `/api/most-popular` with no parameter


def known_platforms(data: Data) -> set[str]:
    """Built-in platform names and any platform with data (a plug-in's)."""
    from tracker.registry import BUILTIN_COLLECTORS

    return {m.rsplit(".", 1)[-1] for m in BUILTIN_COLLECTORS} | set(data.platforms())


def parse(args: MultiDict[str, str] | Mapping[str, str], platforms: set[str]) -> BoxQuery:
    """The box's parameters, or BadParameter: unknown or repeated names, bad values."""
    for key in args:
        if key not in PARAMS:
            raise BadParameter(f"unknown parameter {key[:40]!r}; use {', '.join(PARAMS)}")
        if isinstance(args, MultiDict) and len(args.getlist(key)) > 1:
            raise BadParameter(f"parameter {key!r} given more than once")
    window = args.get("window", DEFAULT_WINDOW)
    if window not in WINDOWS:
        raise BadParameter(f"window must be one of {', '.join(WINDOWS)}, not {window[:40]!r}")
    raw_limit = args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        raise BadParameter(f"limit must be a whole number, not {raw_limit[:40]!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    # Platform names are lower case everywhere (the collector's NAME); "Reddit" means reddit.
    platform = args.get("platform", "").strip().lower()
    if platform and (not _PLATFORM.match(platform) or platform not in platforms):
        raise BadParameter(
            f"platform must be one of {', '.join(sorted(platforms))}, not {args.get('platform', '')[:40]!r}"
        )
    texts = {}
    for key in ("site", "section", "author"):
        value = args.get(key, "").strip()
        if len(value) > MAX_TEXT:
            raise BadParameter(f"{key} is longer than {MAX_TEXT} characters")
        texts[key] = value
    return BoxQuery(window, limit, Filters(platform, texts["site"], texts["section"], texts["author"]))


def view_key(query: BoxQuery) -> tuple[str, BoxQuery]:
    """The box's view (`Data.view`) for one query."""
    return ("box", query)


def reader(query: BoxQuery) -> Callable[[Data], Result]:
    """What the box's view reads: the ranking, cut to the query's limit (and the platforms its
    parameters are checked against, so they are warm too)."""
    return lambda d: (d.platforms(), d.ranking(query.window, query.filters, query.limit))[1]


def payload(data: Data, query: BoxQuery) -> dict[str, Any]:
    """The ranking as JSON-ready data (the same `ranking` query as the Most Popular page)."""
    # A view: the warmer recomputes it as each refresh begins; readers meanwhile get the last one.
    result, _ = data.view(view_key(query), reader(query))
    return {
        "as_of": fmt.iso(result.as_of),
        "window": query.window,
        "platform": query.filters.platform or None,
        "site": query.filters.site or None,
        "section": query.filters.section or None,
        "author": query.filters.author or None,
        "articles": [
            {
                "rank": row["rank"],
                "article_id": row["article_id"],
                "url": row["url"],
                "title": row["title"],
                "site": row["site"],
                "section": row["section"],
                "author": row["author"],
                "published_at": fmt.iso(row["published_at"]),
                "interactions": row["interactions"],
                "views": row["views"],
                "total_interactions": row["total_interactions"],
                "platforms": row["platforms"],
                "last_sample_at": fmt.iso(row["last_sample_at"]),
            }
            for row in result.rows.iter_rows(named=True)
        ],
    }


def etag(body: dict[str, Any], kind: str) -> str:
    """The value of a weak validator over what the box shows (the ranking), not over `as_of`, so a reader
    revalidating gets 304 while the ranking is unchanged."""
    stable = {k: v for k, v in body.items() if k != "as_of"}
    digest = hashlib.sha256((kind + json.dumps(stable, sort_keys=True, default=str)).encode()).hexdigest()
    return digest[:24]
