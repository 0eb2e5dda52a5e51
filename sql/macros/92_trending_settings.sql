-- title: trending_settings
-- description: the trending score's constants (the [trending] config section, stored in
-- analytics_settings) as one row, one column per setting. trending() joins it once and passes it
-- to age_decay and weight_at_age, so the constants are read in one scan of analytics_settings
-- rather than in one scalar subquery per use (each analytics_setting() call is a subquery the
-- planner handles on its own: the age curve's 50 of them made trending() 1.7-2.5x slower).
-- An analyst can read the curve at any age: select age_decay(12, c) from trending_settings() as c.
-- grain: one row
create or replace macro trending_settings() as table
select
    first(s.value) filter (where s.name = 'short_span_minutes') as short_span_minutes,
    first(s.value) filter (where s.name = 'mid_span_hours') as mid_span_hours,
    first(s.value) filter (where s.name = 'long_span_hours') as long_span_hours,
    first(s.value) filter (where s.name = 'size_weight_0h') as size_weight_0h,
    first(s.value) filter (where s.name = 'size_weight_3h') as size_weight_3h,
    first(s.value) filter (where s.name = 'size_weight_12h') as size_weight_12h,
    first(s.value) filter (where s.name = 'decay_0h') as decay_0h,
    first(s.value) filter (where s.name = 'decay_1h') as decay_1h,
    first(s.value) filter (where s.name = 'decay_2h') as decay_2h,
    first(s.value) filter (where s.name = 'decay_3h') as decay_3h,
    first(s.value) filter (where s.name = 'decay_4h') as decay_4h,
    first(s.value) filter (where s.name = 'decay_6h') as decay_6h,
    first(s.value) filter (where s.name = 'decay_8h') as decay_8h,
    first(s.value) filter (where s.name = 'decay_10h') as decay_10h,
    first(s.value) filter (where s.name = 'decay_12h') as decay_12h,
    first(s.value) filter (where s.name = 'decay_15h') as decay_15h,
    first(s.value) filter (where s.name = 'decay_18h') as decay_18h,
    first(s.value) filter (where s.name = 'decay_24h') as decay_24h,
    first(s.value) filter (where s.name = 'short_weight_0h') as short_weight_0h,
    first(s.value) filter (where s.name = 'short_weight_3h') as short_weight_3h,
    first(s.value) filter (where s.name = 'short_weight_12h') as short_weight_12h,
    first(s.value) filter (where s.name = 'mid_weight_0h') as mid_weight_0h,
    first(s.value) filter (where s.name = 'mid_weight_3h') as mid_weight_3h,
    first(s.value) filter (where s.name = 'mid_weight_12h') as mid_weight_12h,
    first(s.value) filter (where s.name = 'long_weight_0h') as long_weight_0h,
    first(s.value) filter (where s.name = 'long_weight_3h') as long_weight_3h,
    first(s.value) filter (where s.name = 'long_weight_12h') as long_weight_12h,
    first(s.value) filter (where s.name = 'rank_weight_0h') as rank_weight_0h,
    first(s.value) filter (where s.name = 'rank_weight_3h') as rank_weight_3h,
    first(s.value) filter (where s.name = 'rank_weight_12h') as rank_weight_12h,
    first(s.value) filter (where s.name = 'rank_slope_0h') as rank_slope_0h,
    first(s.value) filter (where s.name = 'rank_slope_3h') as rank_slope_3h,
    first(s.value) filter (where s.name = 'rank_slope_12h') as rank_slope_12h,
    first(s.value) filter (where s.name = 'rank_change_weight') as rank_change_weight,
    first(s.value) filter (where s.name = 'rank_change_2h_weight') as rank_change_2h_weight,
    first(s.value) filter (where s.name = 'rank_entry') as rank_entry,
    first(s.value) filter (where s.name = 'rank_reference') as rank_reference,
    first(s.value) filter (where s.name = 'discussion_weight') as discussion_weight
from analytics_settings as s;
