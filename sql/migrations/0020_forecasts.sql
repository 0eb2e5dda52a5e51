-- title: forecasts
-- description: fitted forecast models and the forecasts they made. Every forecast row keeps
-- what it was based on (age, early counts, rank, inputs' time, model and version), so an
-- editor or an audit can see why it said what it said. The `forecasts` view reads these.

-- One row per fitted model (or per use of the documented prior).
create table forecast_models (
    model_version varchar primary key,              -- <name>/<fitted_at>/<short hash of the parameters>
    model         varchar not null,                 -- 'curve-loglinear-median' or 'prior-power-law'
    subject_kind  varchar not null,                 -- 'item' or 'article'
    platform      varchar not null,
    site          varchar,                          -- host of the article's site; null when none
    target        varchar not null check (target in ('horizon', 'double')),
    fitted_at     timestamptz not null,
    curves        integer not null,                 -- finished curves it learned from
    examples      integer not null,                 -- (curve, age) training rows
    cv_mdape      double,                           -- cross-validated median APE inside the history
    params        varchar not null                  -- JSON: features, coefficients, offset, residual band
);

-- One row per subject, target and forecast run. Append-only; the view shows the latest.
create table forecast_rows (
    made_at           timestamptz not null,
    subject_kind      varchar not null,             -- 'item' or 'article'
    subject_id        bigint not null,              -- items.item_id or tracked_articles.article_id
    platform          varchar not null,
    site              varchar,
    target            varchar not null check (target in ('horizon', 'double')),
    target_age_s      double not null,              -- the age the forecast is for
    age_s             double not null,              -- the subject's age when forecast
    inputs_at         timestamptz not null,         -- time of the latest sample used
    interactions_now  double not null,              -- the count at forecast time
    early_counts      double[] not null,            -- counts at 1/4, 1/2, 3/4 of the age and at it
    rank_now          double,                       -- front-page rank (Hacker News), null when off the page or none
    predicted         double not null,
    lower             double not null,              -- 80% interval
    upper             double not null,
    model             varchar not null,
    model_version     varchar not null,
    is_prior          boolean not null,             -- true: too little history, the documented prior
    basis             varchar not null,             -- one line an editor can read
    primary key (subject_kind, subject_id, platform, target, made_at)
);
