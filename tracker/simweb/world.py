"""The simulated population: a fictional news site's articles and the posts that share them
on every platform, whose engagement grows by a self-exciting (Hawkes-style) process.

Which platforms hold posts, how many posts share an article and what their keys look like are
declared by each platform's fake (`PostMaker`: its NAME, `posts_per_article`, `post_key`), in
registry order; a platform added at the end of the registry leaves the posts of the platforms
before it as they were (one random stream, drawn article by article, platform by platform).

Each post has a background rate that decays after publication and an excitation that every
interaction feeds and that decays exponentially. A few posts draw a branching ratio near 1
and go viral until their finite audience saturates; most fizzle. Time is a `SimClock`: an
accelerated view of wall time (the demo runs a simulated minute per real second) that tests
freeze and advance by hand. Everything is seeded, so a world is reproducible.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

SITE_URL = "https://news.example.com"
SITE_NAME = "The Example Times"
FLAGSHIP_TITLE = "K-pop drum duet between Japan and South Korea's leaders caps off summit talks"
STEP_S = 60.0  # the engagement process advances in simulated minutes

SECTIONS = ("world", "politics", "culture", "business", "technology", "sport", "science", "local")
_SUBJECTS = (
    "Summit",
    "Central bank",
    "Transit strike",
    "Heatwave",
    "Election count",
    "Tech giant",
    "Court ruling",
    "Film festival",
    "Wildfire",
    "Chess prodigy",
    "Port expansion",
    "Vaccine trial",
    "Marathon",
    "Budget vote",
    "Space probe",
    "Museum heist",
    "Football derby",
    "Startup",
    "Dam project",
    "Orchestra",
)
_PREDICATES = (
    "ends in surprise deal",
    "raises rates again",
    "leaves commuters stranded",
    "breaks decade-old record",
    "goes down to the wire",
    "faces fresh scrutiny",
    "sparks protests downtown",
    "wins standing ovation",
    "forces evacuations",
    "stuns grandmasters",
    "divides residents",
    "reports early results",
    "draws record crowd",
    "passes after all-night session",
    "sends first images",
    "baffles investigators",
    "ends in stoppage-time drama",
    "lays off a third of staff",
    "opens to the public",
    "plays final concert",
)
_AUTHORS = ("Jane Park", "Kenji Sato", "Amira Haddad", "Tom Becker", "Lucía Romero", "News Desk")


class SimClock:
    """Simulated time: `start + (wall elapsed) * speed + manual offset`."""

    def __init__(self, start: datetime, speed: float = 60.0) -> None:
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._wall0 = time.monotonic()
        self._offset_s = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._wall0) * self.speed + self._offset_s
        return self.start + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset_s += seconds
        return self.now()

    def set_speed(self, speed: float) -> None:
        now = self.now()
        with self._lock:
            self.start, self._wall0, self._offset_s, self.speed = now, time.monotonic(), 0.0, speed


@dataclass
class SimArticle:
    article_id: int
    url: str
    slug: str
    title: str
    section: str
    author: str
    published_at: datetime


@dataclass
class SimPost:
    """One post on one platform; `state` is the Hawkes process, advanced lazily."""

    platform: str
    key: str
    article_url: str | None
    author: str
    title: str
    created_at: datetime
    background: float  # interactions per minute at creation
    decay_min: float  # background decays with this time constant (minutes)
    alpha: float  # excitation added per interaction
    beta: float  # excitation decay per minute
    audience: float  # saturating population
    ratios: dict[str, float]
    deleted_at: datetime | None = None
    private: bool = False
    rng: np.random.Generator = field(default_factory=np.random.default_rng, repr=False)
    t: datetime | None = None
    events: int = 0
    excitation: float = 0.0

    def advance(self, until: datetime) -> int:
        """Run the process forward to `until` and return total interactions so far."""
        if until <= self.created_at:
            return 0
        if self.t is None:
            self.t = self.created_at
        while self.t + timedelta(seconds=STEP_S) <= until:
            age_min = (self.t - self.created_at).total_seconds() / 60.0
            saturation = max(0.0, 1.0 - self.events / self.audience)
            rate = (self.background * math.exp(-age_min / self.decay_min) + self.excitation) * saturation
            n = int(self.rng.poisson(rate)) if rate > 0 else 0
            self.events += n
            self.excitation = self.excitation * math.exp(-self.beta) + self.alpha * n
            self.t += timedelta(seconds=STEP_S)
        return self.events

    def metrics(self, at: datetime) -> dict[str, int]:
        """Platform-neutral counts: interactions split by fixed per-post ratios (monotone)."""
        n = self.advance(at)
        return {name: int(n * ratio) for name, ratio in self.ratios.items()}


class PostMaker(Protocol):
    """What a platform's fake tells the world about its posts (tracker.simweb.fake.Fake has it)."""

    NAME: str

    @staticmethod
    def posts_per_article(rng: np.random.Generator, viral: bool) -> int: ...

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str: ...


class World:
    """Articles and posts; thread-safe reads of engagement at the current simulated time."""

    def __init__(
        self,
        clock: SimClock,
        n_articles: int = 300,
        seed: int = 7,
        history_hours: float = 24.0,
        makers: Sequence[PostMaker] = (),
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.lock = threading.RLock()
        self.articles: list[SimArticle] = []
        self.makers = tuple(makers)
        self.posts: dict[str, dict[str, SimPost]] = {m.NAME: {} for m in self.makers}
        self._build(n_articles, history_hours)

    # -- construction -------------------------------------------------------------------------

    def _build(self, n_articles: int, history_hours: float) -> None:
        rng = np.random.default_rng(self.seed)
        start = self.clock.start
        # Articles: published over the past `history_hours`, and a quarter more in the next 12 h.
        offsets_h = np.sort(rng.uniform(-history_hours, history_hours / 2, size=n_articles))
        flagship_index = int(np.searchsorted(offsets_h, -2.0))
        for i, offset in enumerate(offsets_h):
            published = start + timedelta(hours=float(offset))
            if i == flagship_index:
                title = FLAGSHIP_TITLE
                section = "world"
            else:
                title = f"{_SUBJECTS[i % len(_SUBJECTS)]} {_PREDICATES[(i * 7) % len(_PREDICATES)]}"
                section = SECTIONS[int(rng.integers(len(SECTIONS)))]
            slug = _slugify(title) + f"-{i}"
            url = f"{SITE_URL}/{published:%Y/%m/%d}/{slug}/"
            article = SimArticle(i + 1, url, slug, title, section, _AUTHORS[i % len(_AUTHORS)], published)
            self.articles.append(article)
            for maker in self.makers:
                self._spawn_posts(maker, article, rng, viral=(i == flagship_index))

    def _spawn_posts(
        self, maker: PostMaker, article: SimArticle, rng: np.random.Generator, viral: bool
    ) -> None:
        """The posts of one platform sharing one article."""
        for j in range(maker.posts_per_article(rng, viral)):
            delay_min = float(rng.exponential(45.0)) if not viral else float(rng.exponential(10.0))
            created = article.published_at + timedelta(minutes=delay_min)
            serial = int(rng.integers(10**6, 10**7))  # a random number the key may use
            key = maker.post_key(article, j, serial, rng)
            self.posts[maker.NAME][key] = self._new_post(
                maker.NAME, key, article.url, article.title, created, rng, viral and j == 0
            )

    def _new_post(
        self,
        platform: str,
        key: str,
        url: str | None,
        title: str,
        created: datetime,
        rng: np.random.Generator,
        viral: bool,
    ) -> SimPost:
        # Branching ratio alpha/beta: heavy-tailed, so a few posts approach 1 and take off.
        branching = 0.97 if viral else float(min(0.95, rng.beta(1.2, 4.0) * 1.2))
        beta = float(rng.uniform(0.05, 0.2))
        return SimPost(
            platform=platform,
            key=key,
            article_url=url,
            author=f"user{int(rng.integers(1, 99999))}",
            title=title,
            created_at=created,
            background=float(rng.lognormal(-0.5, 1.0)) * (8.0 if viral else 1.0),
            decay_min=float(rng.uniform(60, 360)),
            alpha=branching * beta,
            beta=beta,
            audience=float(rng.lognormal(9.0, 1.2)) * (20.0 if viral else 1.0),
            ratios=_ratios(platform, rng),
            rng=np.random.default_rng(int(rng.integers(2**31))),
        )

    # -- queries ------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def published_articles(self) -> list[SimArticle]:
        now = self.now()
        return [a for a in self.articles if a.published_at <= now]

    def article_by_url(self, url: str) -> SimArticle | None:
        return next((a for a in self.articles if a.url == url), None)

    def post(self, platform: str, key: str) -> SimPost | None:
        """A visible post (created by now), or None."""
        post = self.posts[platform].get(key)
        if post is None or post.created_at > self.now():
            return None
        return post

    def posts_linking(self, platform: str, url: str) -> list[SimPost]:
        now = self.now()
        return [
            p
            for p in self.posts[platform].values()
            if p.article_url == url and p.created_at <= now and p.deleted_at is None
        ]

    def engagement(self, post: SimPost) -> dict[str, int]:
        with self.lock:
            return post.metrics(self.now())

    def is_gone(self, post: SimPost) -> bool:
        return post.private or (post.deleted_at is not None and post.deleted_at <= self.now())

    def add_post(
        self,
        platform: str,
        key: str,
        article_url: str | None,
        created: datetime | None = None,
        viral: bool = False,
    ) -> SimPost:
        """Tests and fakes add specific posts (a known id, a deleted one)."""
        rng = np.random.default_rng(abs(hash((platform, key))) % 2**31)
        title = article_url or f"{platform} post {key}"
        post = self._new_post(platform, key, article_url, title, created or self.now(), rng, viral)
        with self.lock:
            self.posts[platform][key] = post
        return post


def _ratios(platform: str, rng: np.random.Generator) -> dict[str, float]:
    """Neutral counters every fake maps onto its own field names."""
    return {
        "interactions": 1.0,
        "reposts": float(rng.uniform(0.08, 0.25)),
        "replies": float(rng.uniform(0.02, 0.1)),
        "quotes": float(rng.uniform(0.005, 0.03)),
        "bookmarks": float(rng.uniform(0.01, 0.05)),
        "views": float(rng.uniform(20, 80)),
        "shares": float(rng.uniform(0.1, 0.4)),
        "comments": float(rng.uniform(0.05, 0.2)),
    }


def _slugify(title: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(part for part in out.split("-") if part)


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"
