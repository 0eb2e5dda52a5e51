-- title: Alert candidates: entered the top of Trending
-- description: articles ranked `threshold` or better by trending() (optionally on one
-- platform), with no alert of `rule` since `since`.
-- grain: one row per article in the top K
-- params: rule VARCHAR, threshold DOUBLE, since TIMESTAMPTZ, platform VARCHAR = NULL
select t.article_id, t.url, t.title, t.rank::double as value
from trending(on_platform := $platform) as t
where t.rank <= $threshold
  and not exists (
      select 1 from alert_log as l
      where l.rule = $rule and l.article_id = t.article_id and l.fired_at > $since
  )
order by t.rank;
