-- title: cadence zero rise
-- description: how fast a platform's items still at 0 rose, per band of age, as the cadence last
-- fitted it from stored samples (`tracker.cadence.fit_zero_rise`, run with `refit_curves` by the
-- daemon's forecast job): counts gained over gaps that started at 0, per second of those gaps.
-- The schedule takes it as the prior rate of a 0-count item of that age (docs/cadence.md);
-- a band without a row (too few gaps) keeps the power law's prior.
create table cadence_zero_rise (
    platform     varchar not null,
    age_from_s   double not null check (age_from_s >= 0), -- the band: this age up to the next row's
    counts_per_s double not null check (counts_per_s >= 0),
    fitted_at    timestamptz not null,
    primary key (platform, age_from_s)
);
