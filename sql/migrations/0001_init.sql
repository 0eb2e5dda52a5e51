-- title: initial schema
-- description: articles, platform items, samples (counts), gauges, collection runs, errors, cursors.
-- Forward-only: never edit this file once released; a change is a new numbered file.

create sequence article_id_seq start 1;
create sequence item_id_seq start 1;
create sequence run_id_seq start 1;

-- One row per article (a page on a tracked site), keyed by its canonical URL. The public
-- view `articles` (sql/views) is what analysts query.
create table tracked_articles (
    article_id    bigint primary key default nextval('article_id_seq'),
    url           varchar not null unique,          -- canonical URL (tracker.urls.canonicalize)
    title         varchar,
    site          varchar,                          -- host of the canonical URL
    section       varchar,
    author        varchar,
    published_at  timestamptz,
    discovered_at timestamptz not null,
    source        varchar not null                  -- 'manual', 'feed:<url>', 'share:<platform>'
);

-- One row per thing sampled on one platform: a post sharing an article, a post tracked for
-- itself (article_id null), or an article URL's own engagement (Facebook).
create table items (
    item_id         bigint primary key default nextval('item_id_seq'),
    platform        varchar not null,
    item_key        varchar not null,               -- the platform's own id
    url             varchar,
    article_id      bigint,                         -- the article this item shares, if any
    title           varchar,
    author          varchar,
    created_at      timestamptz,                    -- when the post was made on the platform
    tracked_at      timestamptz not null,
    next_due_at     timestamptz not null,           -- adaptive cadence: when to sample next
    last_sampled_at timestamptz,
    gone_at         timestamptz,                    -- deleted / private / missing: no longer polled
    gone_reason     varchar,
    unique (platform, item_key)
);

-- The long time series of counts. Append-only; the key makes writes idempotent.
create table samples (
    item_id bigint not null,
    metric  varchar not null check (metric in
              ('views', 'likes', 'reposts', 'quotes', 'replies', 'comments', 'shares',
               'reactions', 'score', 'bookmarks')),
    ts      timestamptz not null,                   -- observed time, UTC
    value   bigint not null check (value >= 0),
    primary key (item_id, metric, ts)
);

-- Positions and ratios (front-page rank, upvote ratio): never summed into interactions.
create table gauges (
    item_id bigint not null,
    gauge   varchar not null check (gauge in ('rank', 'upvote_ratio')),
    ts      timestamptz not null,
    value   double not null,
    primary key (item_id, gauge, ts)
);

-- One row per platform round (sampling, share search or discovery).
create table runs (
    run_id           bigint primary key default nextval('run_id_seq'),
    platform         varchar not null,
    kind             varchar not null,              -- 'sample', 'shares', 'discover'
    started_at       timestamptz not null,
    finished_at      timestamptz,
    requests         integer not null default 0,
    items_sampled    integer not null default 0,
    errors           integer not null default 0,
    rate_limit_waits integer not null default 0,
    status           varchar not null default 'running'  -- 'ok', 'partial', 'rate_limited', 'failed'
);

-- Every failure a round met, with a short redacted snippet.
create table run_errors (
    run_id   bigint not null,
    platform varchar not null,
    item_key varchar,
    seen_at  timestamptz not null,
    kind     varchar not null,                      -- exception class: BadResponse, Unreachable, ...
    message  varchar not null
);

-- High-water marks per discovery source (ETag, Last-Modified, newest id).
create table cursors (
    platform   varchar not null,
    source     varchar not null,
    value      varchar not null,
    updated_at timestamptz not null,
    primary key (platform, source)
);

-- Until when a platform is throttled (survives restarts so we never hammer a throttled API).
create table platform_state (
    platform        varchar primary key,
    blocked_until   timestamptz,
    blocked_reason  varchar,
    disabled_reason varchar,
    updated_at      timestamptz not null
);
