"""Writes the per-site canonical-URL rules ([[sites]] keep_prefixes / keep_http) into the
store's `site_rules` table at each read-write start, and keeps the stored keys true to them.

The rules come from the config alone (`Config.url_rules`, the one place); the table records
which rules the file's article keys were made with, so a change is noticed instead of silently
giving one article two keys. What a change does:

- a rule that folds more (a prefix or http no longer kept apart): the stored keys are
  re-canonicalised in the same transaction (`tracker.rekey`, each change in `url_rekeys`);
  m.example.com/a joins example.com/a with its items and history;
- a rule that keeps more apart (keep_prefixes = ["m."] added): nothing stored is split, since
  an article stored as example.com/a cannot tell which of its shares came from m.; it keeps
  its key and history, new m.example.com URLs become articles of their own from now on, and
  the owner logs a warning naming the site family and how many stored articles it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker import rekey
from tracker.store import Store
from tracker.urls import SiteRule, UrlRules, fold_host


@dataclass(frozen=True)
class RulesChange:
    renamed: int = 0  # stored article keys re-canonicalised
    merged: int = 0  # of those, keys that joined an article already stored under the new key
    kept_apart: tuple[tuple[str, int], ...] = ()  # (site family, its stored articles) now split going forward

    def messages(self) -> list[str]:
        out = []
        if self.renamed:
            out.append(
                f"the [[sites]] URL rules changed: {self.renamed} stored article keys re-canonicalised "
                f"({self.merged} joined an article already stored under the new key; see url_rekeys)"
            )
        for family, articles in self.kept_apart:
            out.append(
                f"the [[sites]] URL rules now keep copies of {family} apart: its {articles} stored articles "
                "keep their keys and history (copies joined before stay joined); new URLs of the other "
                "host or scheme are tracked as articles of their own from now on"
            )
        return out


def stored(store: Store) -> UrlRules:
    """The rules the stored keys were made with (no rows: the defaults)."""
    rows = (
        store.cursor()
        .execute("select host, keep_prefixes, keep_http from site_rules order by host")
        .fetchall()
    )
    return UrlRules(tuple((str(h), SiteRule(tuple(p), bool(k))) for h, p, k in rows))


def apply(store: Store, rules: UrlRules, now: datetime) -> RulesChange:
    """Record `rules` and re-key the stored articles when they differ from the recorded ones."""
    old = stored(store)
    if old == rules:
        return RulesChange()
    kept_apart = []
    with store.transaction() as cur:
        cur.execute("delete from site_rules")
        for host, rule in rules.sites:
            cur.execute(
                "insert into site_rules values (?, ?, ?, ?)",
                [host, list(rule.keep_prefixes), rule.keep_http, now],
            )
        renamed, merged = rekey.rekey_in(cur, rules, now)
        for family, rule in rules.sites:
            before = old.for_host(family)
            if set(rule.keep_prefixes) - set(before.keep_prefixes) or (
                rule.keep_http and not before.keep_http
            ):
                sites = cur.execute("select site, count(*) from tracked_articles group by site").fetchall()
                count = sum(int(n) for site, n in sites if site and fold_host(str(site)) == family)
                kept_apart.append((family, count))
    return RulesChange(renamed, merged, tuple(kept_apart))
