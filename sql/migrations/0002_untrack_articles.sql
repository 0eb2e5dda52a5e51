-- title: untracking articles
-- description: an editor can stop tracking an article; its items stop being sampled and it is
-- no longer searched for new posts, but its history stays queryable.

alter table tracked_articles add column untracked_at timestamptz;
