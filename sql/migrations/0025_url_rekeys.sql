-- title: article URL keys re-canonicalised
-- description: the canonical URL rules changed (https for http, www./m./mobile./amp. folded,
-- more tracking parameters, dot segments). When this migration is applied, tracker.rekey
-- re-canonicalises every stored article URL once; each change is recorded here, and an article
-- whose new key already existed is merged into that one (its items move, nothing is deleted
-- but the emptied duplicate row).

create table url_rekeys (
    old_url     varchar primary key,
    new_url     varchar not null,
    merged      boolean not null,   -- the new key already existed: items moved to that article
    rekeyed_at  timestamptz not null
);
