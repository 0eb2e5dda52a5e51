-- title: trending's 2-hour velocity, age-dependent size weight and 2-hour rank change
-- description: the trending score gains a third velocity, the interactions gained over the last
-- mid_span_hours (2) per hour, with a weight that depends on the age like the other two
-- (mid_weight_0h, _3h, _12h); the size weight depends on the age too (size_weight_0h, _3h, _12h
-- replace size_weight); and the rank factor weighs the rank two hours earlier against the rank now
-- (rank_change_2h_weight) beside the hour-earlier one. All weights refitted on the first 70% of the
-- Hacker News history, the age curve kept (docs/metrics.md, bench/trending.py).
delete from analytics_settings where name = 'size_weight';

insert into analytics_settings values
    ('mid_span_hours', 2, 'mid velocity: gain over the last N hours, per hour'),
    ('mid_weight_0h', 0.35, 'exponent of (mid velocity + 1) at age 0 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('mid_weight_3h', 0.086, 'exponent of (mid velocity + 1) at age 3 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('mid_weight_12h', 0.146, 'exponent of (mid velocity + 1) at age 12 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('size_weight_0h', -0.194, 'exponent of (total interactions + 1) at age 0 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('size_weight_3h', 0.13, 'exponent of (total interactions + 1) at age 3 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('size_weight_12h', 0.106, 'exponent of (total interactions + 1) at age 12 h (straight lines between 0, 3 and 12 h, held after 12 h)'),
    ('rank_change_2h_weight', 0.034, 'exponent of (rank two hours earlier / rank now): a story climbing the front page');

update analytics_settings set value = 0.051 where name = 'short_weight_0h';
update analytics_settings set value = 0.057 where name = 'short_weight_3h';
update analytics_settings set value = 0.049 where name = 'short_weight_12h';
update analytics_settings set value = -0.075 where name = 'long_weight_0h';
update analytics_settings set value = 0.138 where name = 'long_weight_3h';
update analytics_settings set value = 0.117 where name = 'long_weight_12h';
update analytics_settings set value = -0.099 where name = 'rank_weight_0h';
update analytics_settings set value = -0.124 where name = 'rank_weight_3h';
update analytics_settings set value = 0.032 where name = 'rank_weight_12h';
update analytics_settings set value = 0.193 where name = 'rank_slope_0h';
update analytics_settings set value = 0.363 where name = 'rank_slope_3h';
update analytics_settings set value = 0.15 where name = 'rank_slope_12h';
update analytics_settings set value = 0.083 where name = 'rank_change_weight';
