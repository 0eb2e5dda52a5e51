-- title: share searches get their own table; cursor values are JSON
-- description: when each platform last searched for posts sharing each article, and how many it
-- found, move out of `cursors` (where a count was stored as a "cursor" only for its
-- timestamp) into `share_searches`. `cursors` keeps only high-water marks, whose values the
-- framework stores as JSON text and hands back to collectors decoded.

create table share_searches (
    platform    varchar not null,
    article_id  bigint not null,
    searched_at timestamptz not null,
    found       integer not null,  -- posts the last search returned (0 when it failed)
    primary key (platform, article_id)
);

insert into share_searches
select c.platform, a.article_id, c.updated_at, coalesce(try_cast(c.value as integer), 0)
from cursors c
join tracked_articles a on c.source = 'shares:' || a.url;

delete from cursors where source like 'shares:%';

-- Any value written before this migration that is not JSON becomes a JSON string.
update cursors set value = to_json(value)::varchar where not json_valid(value);
