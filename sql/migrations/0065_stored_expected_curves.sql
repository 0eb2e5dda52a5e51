-- title: expected curves kept between rankings
-- description: every ranking joins each article's expected interactions at its age
-- (article_expectations), and computing the curves behind it (expected_curves: a top-100 trimmed
-- mean per site and age mark over every stored age mark) took seconds on a store of 100,000
-- articles, on every ranking. The curves only move when marks are added, so the age-marks job
-- (tracker.age_marks.refresh) writes them here right after it adds marks: one row per (platform
-- or NULL for all platforms, site or NULL for all sites, mark), the same columns as
-- expected_curves, with the as_of they were computed for (`computed_at`) and a fingerprint of
-- what they were computed from (`inputs`: expected_curve_inputs(), the marks and the settings).
-- expected_curves_or_stored reads them when as_of is at or after computed_at and the inputs are
-- unchanged, and computes live otherwise (a past as_of, settings changed since).
create table stored_expected_curves (
    platform      varchar,                   -- NULL: all platforms together
    site          varchar,                   -- NULL: the all-sites curve
    mark_h        integer not null,
    expected      double,
    basis         varchar not null,
    prev_mark_h   integer not null,
    prev_expected double,
    computed_at   timestamptz not null,      -- the as_of the curve was computed for
    inputs        varchar not null           -- expected_curve_inputs() when it was computed
);
