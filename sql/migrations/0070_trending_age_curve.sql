-- title: trending's age curve and age-dependent weights
-- description: the trending score's age decay becomes a curve given point by point (decay_0h ..
-- decay_24h, the multiplier at each age, geometric in between, held after 24 h) instead of
-- exp(-gravity L + gravity_curvature L^2), and the weights of the short and long velocities and of
-- the platform rank depend on the story's age (given at 0, 3 and 12 hours, straight lines in
-- between, held after 12 h). All constants refitted on the first 70% of the Hacker News history
-- (docs/metrics.md, bench/trending.py).
delete from analytics_settings
where name in ('gravity', 'gravity_curvature', 'age_offset_hours', 'short_weight', 'long_weight', 'rank_weight', 'rank_slope');

insert into analytics_settings values
    ('decay_0h', 1.0, 'age decay: the score''s multiplier at age 0 h (geometric between the listed ages, held after 24 h)'),
    ('decay_1h', 0.666, 'age decay: the score''s multiplier at age 1 h (geometric between the listed ages, held after 24 h)'),
    ('decay_2h', 0.521, 'age decay: the score''s multiplier at age 2 h (geometric between the listed ages, held after 24 h)'),
    ('decay_3h', 0.37, 'age decay: the score''s multiplier at age 3 h (geometric between the listed ages, held after 24 h)'),
    ('decay_4h', 0.336, 'age decay: the score''s multiplier at age 4 h (geometric between the listed ages, held after 24 h)'),
    ('decay_6h', 0.301, 'age decay: the score''s multiplier at age 6 h (geometric between the listed ages, held after 24 h)'),
    ('decay_8h', 0.301, 'age decay: the score''s multiplier at age 8 h (geometric between the listed ages, held after 24 h)'),
    ('decay_10h', 0.288, 'age decay: the score''s multiplier at age 10 h (geometric between the listed ages, held after 24 h)'),
    ('decay_12h', 0.238, 'age decay: the score''s multiplier at age 12 h (geometric between the listed ages, held after 24 h)'),
    ('decay_15h', 0.22, 'age decay: the score''s multiplier at age 15 h (geometric between the listed ages, held after 24 h)'),
    ('decay_18h', 0.22, 'age decay: the score''s multiplier at age 18 h (geometric between the listed ages, held after 24 h)'),
    ('decay_24h', 0.22, 'age decay: the score''s multiplier at age 24 h (geometric between the listed ages, held after 24 h)'),
    ('short_weight_0h', 0.043, 'exponent of (short velocity + 1) at age 0 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('short_weight_3h', 0.11, 'exponent of (short velocity + 1) at age 3 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('short_weight_12h', 0.116, 'exponent of (short velocity + 1) at age 12 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('long_weight_0h', 0.004, 'exponent of (long velocity + 1) at age 0 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('long_weight_3h', 0.236, 'exponent of (long velocity + 1) at age 3 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('long_weight_12h', 0.226, 'exponent of (long velocity + 1) at age 12 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_weight_0h', -0.035, 'exponent of (rank_reference / rank) at age 0 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_weight_3h', -0.096, 'exponent of (rank_reference / rank) at age 3 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_weight_12h', 0.053, 'exponent of (rank_reference / rank) at age 12 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_slope_0h', 0.197, 'rank factor exp(-rank_slope (rank - rank_reference) / rank_reference) at age 0 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_slope_3h', 0.371, 'rank factor exp(-rank_slope (rank - rank_reference) / rank_reference) at age 3 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_slope_12h', 0.153, 'rank factor exp(-rank_slope (rank - rank_reference) / rank_reference) at age 12 h (straight lines between 0, 3 and 12 h, held after 12 h)');

update analytics_settings set value = 0.112 where name = 'size_weight';
update analytics_settings set value = -0.103 where name = 'discussion_weight';
update analytics_settings set value = 0.085 where name = 'rank_change_weight';
