"""What we track: articles (by canonical URL) and platform items (posts, or an article URL's
own engagement on a platform). Every write is idempotent: tracking twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from tracker import timeseries
from tracker.collector import Discovery, Gone, Target
from tracker.errors import UnknownURL
from tracker.store import Store
from tracker.urls import NO_RULES, UrlRules, canonicalize, site_of

NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # next_due_at of items that are never polled


@dataclass(frozen=True)
class DueItem:
    item_id: int
    target: Target
    last_sampled_at: datetime | None


def upsert_article(
    store: Store,
    url: str,
    now: datetime,
    source: str,
    title: str | None = None,
    section: str | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    rules: UrlRules = NO_RULES,
) -> tuple[int, bool]:
    """Insert an article by canonical URL (made with the sites' `rules`), or fill in what we did
    not know. (id, created?)"""
    canonical = canonicalize(url, rules)
    with store.transaction() as cur:
        row = cur.execute("select article_id from tracked_articles where url = ?", [canonical]).fetchone()
        if row:
            cur.execute(
                """update tracked_articles set title = coalesce(title, ?), section = coalesce(section, ?),
                   author = coalesce(author, ?), published_at = coalesce(published_at, ?)
                   where article_id = ?""",
                [title, section, author, published_at, row[0]],
            )
            return int(row[0]), False
        new = cur.execute(
            """insert into tracked_articles
                   (url, title, site, section, author, published_at, discovered_at, source)
               values (?, ?, ?, ?, ?, ?, ?, ?) returning article_id""",
            [canonical, title, site_of(canonical, rules), section, author, published_at, now, source],
        ).fetchone()
        assert new is not None
        return int(new[0]), True


def track_many(
    store: Store,
    articles: Sequence[str],
    items: Sequence[tuple[str, str, str]],
    now: datetime,
    source: str = "manual",
) -> tuple[set[str], set[tuple[str, str]]]:
    """Track canonical article URLs and (platform, item_key, url) items in one transaction,
    set-wise (5,000 URLs cost one commit, not 5,000). (new article URLs, new (platform, key))."""
    urls = list(dict.fromkeys(articles))
    wanted = list(dict.fromkeys((platform, key) for platform, key, _ in items))
    item_url = {(platform, key): url for platform, key, url in reversed(items)}  # the first URL given wins
    with store.transaction() as cur:
        known_urls = {
            row[0]
            for row in cur.execute(
                "select url from tracked_articles where url in (select unnest(?::varchar[]))", [urls]
            ).fetchall()
        }
        new_urls = [u for u in urls if u not in known_urls]
        if new_urls:
            cur.execute(
                """insert into tracked_articles (url, site, discovered_at, source)
                   select unnest(?::varchar[]), unnest(?::varchar[]), ?, ?""",
                [new_urls, [urlsplit(u).hostname or "" for u in new_urls], now, source],
            )
        known_items = {
            (str(p), str(k))
            for p, k in cur.execute(
                """select i.platform, i.item_key from items i
                   join (select unnest(?::varchar[]) as platform, unnest(?::varchar[]) as item_key) w
                     on i.platform = w.platform and i.item_key = w.item_key""",
                [[p for p, _ in wanted], [k for _, k in wanted]],
            ).fetchall()
        }
        new_items = [pk for pk in wanted if pk not in known_items]
        if new_items:
            cur.execute(
                """insert into items (platform, item_key, url, tracked_at, next_due_at)
                   select unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[]), ?, ?""",
                [
                    [p for p, _ in new_items],
                    [k for _, k in new_items],
                    [item_url[pk] for pk in new_items],
                    now,
                    now,
                ],
            )
    return set(new_urls), set(new_items)


def ensure_item(
    store: Store,
    platform: str,
    item_key: str,
    now: datetime,
    url: str | None = None,
    article_id: int | None = None,
    title: str | None = None,
    author: str | None = None,
    created_at: datetime | None = None,
    passive: bool = False,
) -> tuple[int, bool]:
    """Track one platform item (due at once when new). (item_id, created?)

    A passive item (a trending link) gets its samples from discovery rounds and is never polled.
    """
    with store.transaction() as cur:
        row = cur.execute(
            "select item_id from items where platform = ? and item_key = ?", [platform, item_key]
        ).fetchone()
        if row:
            cur.execute(
                "update items set article_id = coalesce(article_id, ?) where item_id = ?",
                [article_id, row[0]],
            )
            if article_id is not None:
                timeseries.note_linked(cur, int(row[0]))
            return int(row[0]), False
        new = cur.execute(
            """insert into items (platform, item_key, url, article_id, title, author, created_at, tracked_at,
                                  next_due_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning item_id""",
            [platform, item_key, url, article_id, title, author, created_at, now, NEVER if passive else now],
        ).fetchone()
        assert new is not None
        return int(new[0]), True


def rekey_item(store: Store, item_id: int, platform: str, new_key: str) -> int:
    """Give an item the key its platform resolved it to (a Bluesky handle's DID, the post a
    Reddit share link leads to). The id that holds the key afterwards is returned.

    When another item already has that key (one post tracked by two URLs), this item's samples
    and gauges move to it (a sample at the same moment is the same observation), what it knew
    fills what the other did not, and this row goes: nothing observed is dropped."""
    with store.transaction() as cur:
        row = cur.execute(
            "select item_id from items where platform = ? and item_key = ?", [platform, new_key]
        ).fetchone()
        if row is None:
            cur.execute("update items set item_key = ? where item_id = ?", [new_key, item_id])
            return item_id
        keep = int(row[0])
        if keep == item_id:
            return item_id
        timeseries.write_counts(
            cur,
            "select ?::bigint as item_id, metric, ts, value from samples where item_id = ?",
            [keep, item_id],
        )
        cur.execute("delete from samples where item_id = ?", [item_id])
        cur.execute("delete from series_latest where item_id = ?", [item_id])
        cur.execute("delete from item_first_sample where item_id = ?", [item_id])
        cur.execute(
            "insert or ignore into gauges (item_id, gauge, ts, value) "
            "select ?, gauge, ts, value from gauges where item_id = ?",
            [keep, item_id],
        )
        cur.execute("delete from gauges where item_id = ?", [item_id])
        cur.execute(
            """update items set article_id = coalesce(items.article_id, o.article_id),
                   url = coalesce(items.url, o.url), title = coalesce(items.title, o.title),
                   author = coalesce(items.author, o.author),
                   created_at = coalesce(items.created_at, o.created_at),
                   tracked_at = least(items.tracked_at, o.tracked_at)
               from (select * from items where item_id = ?) o where items.item_id = ?""",
            [item_id, keep],
        )
        timeseries.note_linked(cur, keep)  # it may have taken over the article just now
        cur.execute("delete from items where item_id = ?", [item_id])
        return keep


def record_discovery(
    store: Store,
    found: Discovery,
    now: datetime,
    source: str,
    as_item: bool = True,
    rules: UrlRules = NO_RULES,
) -> tuple[int | None, int, bool]:
    """Store a Discovery: the article it links to, and (with `as_item`) the item itself.
    (article_id, item_id, new?); item_id is 0 when no item was stored."""
    article_id = None
    if found.links_to:
        kind_source = source if found.kind == "article" else f"share:{found.platform}"
        article_id, _ = upsert_article(
            store,
            found.links_to,
            now,
            kind_source,
            title=found.title if found.kind == "article" else None,
            section=found.section,
            author=found.author if found.kind == "article" else None,
            published_at=found.published_at if found.kind == "article" else None,
            rules=rules,
        )
    if found.kind == "article" and not as_item:
        return article_id, 0, False  # the newsroom's own articles are not items of a platform
    item_id, created = ensure_item(
        store,
        found.platform,
        found.item_key,
        now,
        url=found.url,
        article_id=article_id,
        title=found.title,
        author=found.author,
        created_at=found.published_at,
        passive=found.kind == "article",
    )
    return article_id, item_id, created


def due_items(
    store: Store, platform: str, now: datetime, limit: int, stop_before: datetime, after_id: int | None = None
) -> list[DueItem]:
    """Items of a platform whose time has come, most urgent first (`tracker.cadence.urgency`:
    time since the last sample over the interval; never-sampled items first), at most `limit`.
    With `after_id`, the items after that id in id order instead: pages of one full pass."""
    order = (
        "item_id"
        if after_id is not None
        else """last_sampled_at is not null,
                epoch(?::timestamptz - last_sampled_at) / greatest(epoch(next_due_at - last_sampled_at), 1.0) desc,
                item_id"""
    )
    params: list[object] = [platform, now, stop_before, -1 if after_id is None else after_id]
    if after_id is None:
        params.append(now)
    rows = (
        store.cursor()
        .execute(
            f"""select item_id, item_key, url, last_sampled_at from items
           where platform = ? and gone_at is null and next_due_at <= ?
             and coalesce(created_at, tracked_at) >= ? and item_id > ?
           order by {order}
           limit ?""",
            [*params, limit],
        )
        .fetchall()
    )
    return [DueItem(int(i), Target(platform, key, url), last) for i, key, url, last in rows]


def sampling_candidates(
    store: Store, platform: str, now: datetime, limit: int, stop_before: datetime, floor_s: float
) -> tuple[list[DueItem], list[float]]:
    """The items a round may spend its requests on, most urgent first, at most `limit`, with
    their urgency (`tracker.cadence.urgency`: at least 1 when due, infinite when never sampled):
    every due item, then items not due yet whose last sample is at least `floor_s` old (what
    spare requests may take, `cadence.pick`). An item never sampled waits for its due time (it
    may have been postponed after a failure)."""
    rows = (
        store.cursor()
        .execute(
            """select item_id, item_key, url, last_sampled_at,
                      case when last_sampled_at is null then 'inf'::double
                           else epoch($now::timestamptz - last_sampled_at)
                                / greatest(epoch(next_due_at - last_sampled_at), 1.0) end as urgency
           from items
           where platform = $platform and gone_at is null
             and coalesce(created_at, tracked_at) >= $stop_before
             and (next_due_at <= $now
                  or last_sampled_at <= $now::timestamptz - to_seconds($floor_s::double))
           order by last_sampled_at is not null, urgency desc, item_id
           limit $limit""",
            {
                "platform": platform,
                "now": now,
                "stop_before": stop_before,
                "floor_s": floor_s,
                "limit": limit,
            },
        )
        .fetchall()
    )
    items = [DueItem(int(i), Target(platform, key, url), last) for i, key, url, last, _ in rows]
    return items, [float(u) for *_, u in rows]


def mark_gone(store: Store, gone: Sequence[Gone], now: datetime) -> None:
    if not gone:
        return
    with store.transaction() as cur:
        for record in gone:
            cur.execute(
                "update items set gone_at = ?, gone_reason = ? where platform = ? and item_key = ?",
                [now, record.reason, record.target.platform, record.target.item_key],
            )


def articles_for_share_search(
    store: Store, platform: str, now: datetime, every_s: float, limit: int, stop_before: datetime
) -> list[tuple[int, str]]:
    """Articles whose posts on `platform` were last searched more than `every_s` ago."""
    rows = (
        store.cursor()
        .execute(
            """select a.article_id, a.url from tracked_articles a
           left join share_searches s on s.platform = ? and s.article_id = a.article_id
           where a.untracked_at is null and a.discovered_at >= ?
             and (s.searched_at is null or s.searched_at <= ? - to_seconds(?::double))
           order by coalesce(s.searched_at, timestamptz '1970-01-01') , a.discovered_at desc
           limit ?""",
            [platform, stop_before, now, every_s, limit],
        )
        .fetchall()
    )
    return [(int(a), str(u)) for a, u in rows]


def note_share_search(store: Store, platform: str, article_id: int, found: int, now: datetime) -> None:
    """Remember that `platform` was searched for posts sharing an article (and how many it found)."""
    with store.transaction() as cur:
        cur.execute(
            "insert or replace into share_searches values (?, ?, ?, ?)", [platform, article_id, now, found]
        )


def untrack(store: Store, url_or_key: str, now: datetime, rules: UrlRules = NO_RULES) -> int:
    """Stop tracking an article (and its items) or a single item; history stays. Rows affected."""
    try:
        url = canonicalize(url_or_key, rules)
    except UnknownURL:
        url = url_or_key
    with store.transaction() as cur:
        changed = cur.execute(
            """update tracked_articles set untracked_at = ?
               where url = ? and untracked_at is null returning article_id""",
            [now, url],
        ).fetchall()
        ids = [row[0] for row in changed]
        items = cur.execute(
            """update items set gone_at = ?, gone_reason = 'untracked'
               where gone_at is null and (item_key = ? or url = ? or url = ?
                     or article_id in (select unnest(?::bigint[])))
               returning item_id""",
            [now, url_or_key, url_or_key, url, ids],
        ).fetchall()
        return len(changed) + len(items)


def is_ours(store: Store, url: str, site_hosts: set[str], rules: UrlRules = NO_RULES) -> bool:
    """A link is ours to track when it is on a configured site or already a tracked article."""
    try:
        canonical = canonicalize(url, rules)
    except UnknownURL:
        return False
    if site_of(canonical, rules) in site_hosts:
        return True
    rows = (
        store.cursor().execute("select count(*) from tracked_articles where url = ?", [canonical]).fetchall()
    )
    return bool(rows[0][0])


def attach_to_articles(
    store: Store,
    links: Sequence[tuple[int, str]],
    now: datetime,
    site_hosts: set[str],
    source: str,
    rules: UrlRules = NO_RULES,
) -> int:
    """Link items that have no article yet to the article their post shares (when it is ours)."""
    ids = [item_id for item_id, _ in links]
    orphans = {
        row[0]
        for row in store.cursor()
        .execute(
            "select item_id from items where article_id is null and item_id in (select unnest(?::bigint[]))",
            [ids],
        )
        .fetchall()
    }
    attached = 0
    for item_id, url in links:
        if item_id not in orphans or not is_ours(store, url, site_hosts, rules):
            continue
        article_id, _ = upsert_article(store, url, now, source, rules=rules)
        with store.transaction() as cur:
            cur.execute(
                "update items set article_id = ? where item_id = ? and article_id is null",
                [article_id, item_id],
            )
            timeseries.note_linked(cur, item_id)
        attached += 1
    return attached
