-- title: forecasts
-- description: the latest forecast of every tracked article (per platform) and item: its
-- interactions at the horizon and at twice its age when forecast, with the 80% interval and
-- what the forecast was based on (age, early counts, rank, model and version, inputs' time).
-- grain: one row per (subject kind, subject, platform, target)
create or replace view forecasts as
select
    f.subject_kind,
    f.subject_id,
    case when f.subject_kind = 'article' then f.subject_id else i.article_id end as article_id,
    case when f.subject_kind = 'item' then f.subject_id end as item_id,
    i.item_key,
    coalesce(a.url, i.url) as url,
    coalesce(a.title, i.title) as title,
    f.platform,
    f.site,
    f.target,
    f.target_age_s / 3600.0 as target_age_h,
    f.age_s / 3600.0 as age_h,
    f.interactions_now,
    f.predicted,
    f.lower,
    f.upper,
    f.early_counts,
    f.rank_now,
    f.inputs_at,
    f.made_at,
    f.model,
    f.model_version,
    f.is_prior,
    f.basis
from forecast_rows as f
left join items as i on f.subject_kind = 'item' and i.item_id = f.subject_id
left join tracked_articles as a
    on a.article_id = case when f.subject_kind = 'article' then f.subject_id else i.article_id end
qualify row_number() over (
    partition by f.subject_kind, f.subject_id, f.platform, f.target order by f.made_at desc) = 1;
