-- title: analytics settings
-- description: the constants of the trending score and of gain interpolation, stored in the file so
-- the dashboards, `tracker sql` and an analyst's duckdb session score alike. Seeded with the
-- defaults; `tracker.analytics_settings.apply` overwrites them from the [trending] config section
-- at each read-write start.
create table analytics_settings (
    name        varchar primary key,
    value       double not null,
    description varchar not null
);

insert into analytics_settings values
    ('short_span_minutes',    30,  'short velocity span: interactions gained in the last N minutes, per hour'),
    ('long_span_hours',       3,   'long velocity span: interactions gained in the last N hours, per hour'),
    ('short_weight',          0.55, 'exponent of (short velocity + 1)'),
    ('long_weight',           0.45, 'exponent of (long velocity + 1)'),
    ('size_weight',           0.35, 'exponent of (total interactions + 1)'),
    ('gravity',               0.9, 'age decay: the score is divided by (age in hours + age_offset_hours) ^ gravity'),
    ('age_offset_hours',      2,   'added to the age before the decay, so a brand-new story is not divided by ~0'),
    ('rank_weight',           0.85, 'exponent of (rank_reference / platform rank) where the platform ranks its front page'),
    ('rank_reference',        10,  'the platform rank that counts as neutral (factor 1); items without a rank count as this'),
    ('lookback_hours',        24,  'how far before a window start we look for the sample to interpolate from');
