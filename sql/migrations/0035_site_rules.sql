-- title: per-site article-key rules
-- description: the canonical-URL exceptions of the [[sites]] entries (keep_prefixes, keep_http)
-- that the stored article keys were made with, by site family (the host with every www./m./
-- mobile./amp. prefix folded). Empty means the defaults everywhere. `tracker.site_rules.apply`
-- rewrites it at each read-write start; when the rules changed it re-keys the stored articles in
-- the same transaction (each change recorded in url_rekeys), so one article never has two keys.
create table site_rules (
    host          varchar primary key,
    keep_prefixes varchar[] not null,   -- presentation prefixes that are another publication there
    keep_http     boolean not null,     -- http:// and https:// copies are different pages there
    applied_at    timestamptz not null
);
