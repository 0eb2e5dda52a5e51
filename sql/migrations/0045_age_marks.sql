-- title: interactions at fixed ages (age_marks) and the expected-curve constants
-- description: what each article had on each platform at ages 1, 2, 3, 6, 12, 24, 48, 72 and 168
-- hours, per metric, interpolated from its samples (sql/macros/85_age_marks.sql says how). Filled
-- incrementally by the daemon's age-marks job (and by `tracker.age_marks.refresh`); a mark is
-- written once and never changes, so the expected curves (overperformance) read a small table
-- instead of the whole sample history. Raw per-metric values are kept, so a change of metric
-- weights in the config applies to the past as well.
create table age_marks (
    article_id bigint not null,
    site       varchar,                      -- the article's site when the mark was written
    platform   varchar not null,
    metric     varchar not null,
    mark_h     integer not null,             -- the article's age in hours at the mark
    born_at    timestamptz not null,         -- the article's birth the age is counted from
    value      double not null,              -- summed over the article's items on the platform
    filled_at  timestamptz not null,
    primary key (article_id, platform, metric, mark_h)
);

insert into analytics_settings values
    ('expected_articles',     100, 'overperformance: the expected curve is the trimmed mean of the site''s last N articles at each age'),
    ('expected_min_articles', 10,  'overperformance: fewer comparable articles than this at an age and the site falls back to all sites, then to no expectation'),
    ('expected_days',         90,  'overperformance: only articles born in the last N days are comparable (bounds the work to recent marks)');

-- The trending score's new inputs (sql/macros/95_trending.sql) and the exponents refitted with
-- them on the first 70% of the Hacker News history (docs/metrics.md, bench/trending.py).
insert into analytics_settings values
    ('gravity_curvature',  0.36, 'age decay: exp(-gravity L + gravity_curvature L^2), L = ln(age + age_offset_hours), held where lowest'),
    ('rank_slope',         0.49, 'rank factor: exp(-rank_slope * (rank - rank_reference) / rank_reference)'),
    ('rank_change_weight', 0.2,  'exponent of (rank an hour earlier / rank now): a story climbing the front page'),
    ('rank_entry',         31,   'the rank an hour earlier of a story that had none then (it was below the front page)'),
    ('discussion_weight',  -0.18, 'exponent of (comments and replies + 1) / (other interactions + 1)');

update analytics_settings set value = 0.22 where name = 'short_weight';
update analytics_settings set value = 6    where name = 'long_span_hours';
update analytics_settings set value = 0.52 where name = 'long_weight';
update analytics_settings set value = 0.05 where name = 'size_weight';
update analytics_settings set value = 1.94 where name = 'gravity';
update analytics_settings set value = -0.175 where name = 'rank_weight';
