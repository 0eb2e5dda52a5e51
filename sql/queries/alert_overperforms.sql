-- title: Alert candidates: overperforms its expected curve
-- description: articles on trending() (optionally on one platform, against that platform's
-- expected curve) whose interactions are at least `threshold` times what their site's usual
-- article had at the same age (the overperformance column), with no alert of `rule` since `since`.
-- grain: one row per article at or above the factor
-- params: rule VARCHAR, threshold DOUBLE, since TIMESTAMPTZ, platform VARCHAR = NULL
select t.article_id, t.url, t.title, t.overperformance as value
from trending(on_platform := $platform) as t
where t.overperformance >= $threshold
  and not exists (
      select 1 from alert_log as l
      where l.rule = $rule and l.article_id = t.article_id and l.fired_at > $since
  )
order by t.overperformance desc, t.article_id;
