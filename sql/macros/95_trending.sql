-- title: trending
-- description: what is spreading right now: for now, articles ranked by interactions gained in
-- the last hour (the same scoring as most_popular). Later work refines the score; the name stands.
-- grain: one row per article with engagement in the last hour
-- params: as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL
create or replace macro trending(as_of := null, on_platform := null) as table
select * from most_popular(interval 1 hour, as_of := as_of, on_platform := on_platform);
