-- title: item_born_at
-- description: when a tracked item was born: its own creation time on the platform (a post's
-- `created_at`) or, when the platform gave none, its article's publication time. Defined once
-- here for every reader of an item's age (`item_deltas`, `article_deltas`, `item_gains`,
-- `sample_increases`).
-- grain: one timestamp per item
create or replace macro item_born_at(created_at, published_at) as coalesce(created_at, published_at);
