"""A collector configured entirely in TOML, for a JSON source we do not ship a module for (a
newsroom's own analytics API, a regional platform): a URL template, where the items and ids
are in the answer, and which dotted JSON paths hold which canonical metrics.

One source per installation: the platform name is always "generic_json". With an empty
`url_template` the collector is inert (identify() recognises nothing, sample() refuses).
docs/platforms/generic_json.md shows a worked configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tracker.collector import METRICS, Credential, Gone, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.errors import ConfigError

NAME = "generic_json"
ROLES = ("samples",)
# Nothing is known about the source, so the budget is a polite default that the
# [platforms.generic_json.limits] table can change (requests, per_seconds, min_resample_s).
# The batch size is Settings.max_batch: limits_for() puts it in the Limits the runner batches by.
LIMITS = Limits(requests=60, per_seconds=60, max_batch=1, min_resample_s=300, header_style="none")
CREDENTIALS: tuple[Credential, ...] = (
    Credential(
        "token", "GENERIC_JSON_TOKEN", required=False, help="optional; sent as 'Authorization: Bearer'"
    ),
)
ONE, MANY = "{id}", "{ids}"


@dataclass(frozen=True)
class Settings:
    url_template: str = ""  # "https://api.example.org/items/{id}.json" or ".../stats?ids={ids}"
    batch_param_separator: str = ","  # joins the ids that replace {ids}
    max_batch: int = 1  # ids per request; more than 1 needs {ids} and items_path
    items_path: str = ""  # dotted path to the list of items; "" = the body is the one item
    id_path: str = "id"  # dotted path, inside an item, to its id (matched as a string)
    metrics: dict[str, str] = field(default_factory=dict)  # canonical metric -> dotted path in an item
    url_pattern: str = ""  # regex with one group: the item key in a post URL (re.search)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.metrics) - set(METRICS))
        if unknown:
            raise ValueError(f"metrics: unknown metric {unknown[0]!r}; use one of {', '.join(METRICS)}")
        if self.max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if not self.batch_param_separator:
            raise ValueError("batch_param_separator must not be empty")
        if self.url_pattern:
            try:
                groups = re.compile(self.url_pattern).groups
            except re.error as exc:
                raise ValueError(f"url_pattern is not a regular expression ({exc})") from None
            if groups != 1:
                raise ValueError(f"url_pattern needs exactly one group, has {groups}")
        if self.url_template:
            _check_template(self)


def _check_template(settings: Settings) -> None:
    parts = urlsplit(settings.url_template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"url_template must be an absolute http(s) URL, got {settings.url_template[:80]!r}")
    placeholders = [p for p in (ONE, MANY) if p in settings.url_template]
    if len(placeholders) != 1:
        raise ValueError("url_template needs exactly one of the placeholders {id} or {ids}")
    if placeholders[0] == ONE and settings.max_batch > 1:
        raise ValueError("max_batch above 1 needs an {ids} placeholder in url_template")
    if placeholders[0] == MANY and not settings.items_path:
        raise ValueError("an {ids} url_template needs items_path, to find each item in the answer")


def limits_for(credentials: Mapping[str, Any], settings: Settings) -> Limits:
    """The configured batch size is the batch the runner hands over (one request each)."""
    return replace(LIMITS, max_batch=settings.max_batch)


def unusable(settings: Settings) -> str | None:
    """Off until it is told where to look."""
    return None if settings.url_template else "no url_template configured"


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        settings = self.settings
        self.pattern = re.compile(settings.url_pattern) if settings.url_pattern else None
        self.client: httpx.Client | None = None
        if settings.url_template:
            origin = urlsplit(settings.url_template)
            token = self.credentials.get("token")
            headers = {"Authorization": f"Bearer {token.reveal()}"} if token is not None else None
            self.client = self.http.client(f"{origin.scheme}://{origin.netloc}", headers=headers)

    def identify(self, url: str) -> str | None:
        match = self.pattern.search(url.strip()) if self.pattern is not None else None
        return match.group(1) if match and match.group(1) else None

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        """One request for the batch (the runner hands over at most Settings.max_batch ids)."""
        if self.client is None:
            raise ConfigError("platforms.generic_json.url_template is not set")
        yield from self._sample_batch(self.client, targets)

    def _url(self, targets: Sequence[Target]) -> str:
        parts = urlsplit(self.settings.url_template)
        template = self.settings.url_template[len(f"{parts.scheme}://{parts.netloc}") :] or "/"
        ids = self.settings.batch_param_separator.join(quote(t.item_key, safe="") for t in targets)
        return template.replace(MANY if MANY in template else ONE, ids)

    def _sample_batch(self, client: httpx.Client, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        if not targets:
            return
        response = client.get(self._url(targets))
        single = not self.settings.items_path
        if single and response.status_code in (404, 410):
            yield Gone(targets[0], "not_found")
            return
        body = self.decode.json(response)
        self.decode.check(response, body)
        now = self.clock.now()
        if single:
            if body is None:  # Firebase-style "no such item"
                yield Gone(targets[0], "not_found")
                return
            item = self.decode.expect(response, body, dict, "item")
            yield Sample(NAME, targets[0].item_key, now, self._metrics(response, item))
            return
        items = dig(body, self.settings.items_path)
        found: dict[str, dict[str, Any]] = {}
        for item in self.decode.expect(
            response, [] if items is None else items, list, self.settings.items_path
        ):
            item = self.decode.expect(response, item, dict, "item")
            item_id = dig(item, self.settings.id_path)
            if isinstance(item_id, str | int) and not isinstance(item_id, bool):
                found[str(item_id)] = item
        for target in targets:
            item = found.get(target.item_key)
            if item is None:
                yield Gone(target, "not_found")  # a batch answer that leaves an id out cannot show it
            else:
                yield Sample(NAME, target.item_key, now, self._metrics(response, item))

    def _metrics(self, response: httpx.Response, item: dict[str, Any]) -> dict[str, int]:
        values = {metric: dig(item, path) for metric, path in self.settings.metrics.items()}
        return self.decode.counts(response, values, {metric: metric for metric in values})


def dig(value: Any, path: str) -> Any:
    """Follow a dotted path through objects and lists ("data.0.stats.views"); None when absent."""
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
