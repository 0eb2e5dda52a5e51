-- title: age_decay_log
-- description: L in age_decay: ln(age_h + age_offset_hours), at most gravity / (2 * gravity_curvature).
-- grain: scalar
-- params: age_h DOUBLE
create or replace macro age_decay_log(age_h) as
    case when analytics_setting('gravity_curvature') > 0
         then least(ln(age_h + analytics_setting('age_offset_hours')),
                    analytics_setting('gravity') / (2 * analytics_setting('gravity_curvature')))
         else ln(age_h + analytics_setting('age_offset_hours')) end;

-- title: age_decay
-- description: the trending score's age decay: exp(-gravity * L + gravity_curvature * L^2) with
-- L = ln(age_h + age_offset_hours). With gravity_curvature > 0 the decay is steep for a young story
-- and softens as it ages (the stories still rising after half a day tend to keep rising); L is
-- held at gravity / (2 * gravity_curvature), where the decay is lowest, so an old story is never
-- boosted for its age. gravity_curvature 0 is Hacker News' plain (age + 2)^-gravity.
-- grain: scalar
-- params: age_h DOUBLE
create or replace macro age_decay(age_h) as
    exp(-analytics_setting('gravity') * age_decay_log(age_h)
        + analytics_setting('gravity_curvature') * pow(age_decay_log(age_h), 2));
