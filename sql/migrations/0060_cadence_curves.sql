-- title: cadence curves
-- description: each platform's growth curve as the cadence last fitted it from stored samples
-- (`tracker.cadence.refit_curves`, run by the daemon's forecast job): a count is modelled as
-- (age + age_offset_s) ^ growth_exponent, with bursts around it of burst_share of the gain. The runner schedules with it and the `nowcast` macro
-- extrapolates with it, so both read the same curve. A platform without a row uses the
-- [cadence] defaults (growth_exponent 0.5, age_offset_s 1800, burst_share 0.5).
create table cadence_curves (
    platform        varchar primary key,
    growth_exponent double not null check (growth_exponent > 0 and growth_exponent < 1),
    age_offset_s    double not null check (age_offset_s > 0),
    burst_share     double not null check (burst_share >= 0), -- 0 smooth curves, ~1 counts in bursts
    items_fitted    bigint not null,                -- items sampled at two ages behind the fit (0: default)
    fitted_at       timestamptz not null
);
