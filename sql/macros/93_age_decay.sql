-- title: interpolate_linear
-- description: y on the straight line through (x0, y0) and (x1, y1) at x.
-- grain: scalar
-- params: x DOUBLE, x0 DOUBLE, x1 DOUBLE, y0 DOUBLE, y1 DOUBLE
create or replace macro interpolate_linear(x, x0, x1, y0, y1) as y0 + (y1 - y0) * (x - x0) / (x1 - x0);

-- title: age_decay
-- description: the trending score's age decay, an age curve given point by point: the settings
-- decay_0h, decay_1h, ... decay_24h are the multipliers at ages 0, 1, 2, 3, 4, 6, 8, 10, 12, 15, 18, 24 hours;
-- between two of them the decay moves geometrically (its logarithm on a straight line); beyond
-- 24 h it stays at decay_24h. Fitted on the Hacker News history (docs/metrics.md): steep over a
-- story's first 3 hours, nearly flat to 10 hours, a second step down to 15 hours; it never rises.
-- `c` is the row of trending_settings() (select age_decay(5, c) from trending_settings() as c).
-- grain: scalar
-- params: age_h DOUBLE, c (a row of trending_settings())
create or replace macro age_decay(age_h, c) as exp(case
    when age_h < 1 then interpolate_linear(age_h, 0, 1, ln(c.decay_0h), ln(c.decay_1h))
    when age_h < 2 then interpolate_linear(age_h, 1, 2, ln(c.decay_1h), ln(c.decay_2h))
    when age_h < 3 then interpolate_linear(age_h, 2, 3, ln(c.decay_2h), ln(c.decay_3h))
    when age_h < 4 then interpolate_linear(age_h, 3, 4, ln(c.decay_3h), ln(c.decay_4h))
    when age_h < 6 then interpolate_linear(age_h, 4, 6, ln(c.decay_4h), ln(c.decay_6h))
    when age_h < 8 then interpolate_linear(age_h, 6, 8, ln(c.decay_6h), ln(c.decay_8h))
    when age_h < 10 then interpolate_linear(age_h, 8, 10, ln(c.decay_8h), ln(c.decay_10h))
    when age_h < 12 then interpolate_linear(age_h, 10, 12, ln(c.decay_10h), ln(c.decay_12h))
    when age_h < 15 then interpolate_linear(age_h, 12, 15, ln(c.decay_12h), ln(c.decay_15h))
    when age_h < 18 then interpolate_linear(age_h, 15, 18, ln(c.decay_15h), ln(c.decay_18h))
    when age_h < 24 then interpolate_linear(age_h, 18, 24, ln(c.decay_18h), ln(c.decay_24h))
    else ln(c.decay_24h) end);

-- title: weight_at_age
-- description: a weight of the trending score that depends on the story's age, given at 0, 3 and
-- 12 hours (w_0h, w_3h, w_12h), on straight lines between them, held after 12 h. trending() uses it
-- for short_weight, long_weight, rank_weight and rank_slope, e.g.
-- weight_at_age(age_h, c.short_weight_0h, c.short_weight_3h, c.short_weight_12h).
-- grain: scalar
-- params: age_h DOUBLE, w_0h DOUBLE, w_3h DOUBLE, w_12h DOUBLE
create or replace macro weight_at_age(age_h, w_0h, w_3h, w_12h) as case
    when age_h < 3 then interpolate_linear(age_h, 0, 3, w_0h, w_3h)
    when age_h < 12 then interpolate_linear(age_h, 3, 12, w_3h, w_12h)
    else w_12h end;
