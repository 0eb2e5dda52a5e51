-- title: Alert candidates: hourly gain
-- description: articles that gained at least `threshold` interactions in the last hour
-- (optionally on one platform), with no alert of `rule` since `since`.
-- grain: one row per article crossing the threshold
-- params: rule VARCHAR, threshold DOUBLE, since TIMESTAMPTZ, platform VARCHAR = NULL
select m.article_id, m.url, m.title, m.interactions::double as value
from most_popular(interval 1 hour, on_platform := $platform) as m
where m.interactions >= $threshold
  and not exists (
      select 1 from alert_log as l
      where l.rule = $rule and l.article_id = m.article_id and l.fired_at > $since
  )
order by m.rank;
