-- title: alert log
-- description: every alert the tracker decided to send: which rule, which article, when, and
-- how delivery went. It is the cool-down memory (one alert per article, rule and cool-down)
-- and the audit trail an editor can query. Webhook URLs are secrets and are never stored.

create sequence alert_id_seq start 1;

create table alert_log (
    alert_id     bigint primary key default nextval('alert_id_seq'),
    rule         varchar not null,
    article_id   bigint not null,
    fired_at     timestamptz not null,
    value        double,                           -- what crossed the threshold (gain, rank, ratio)
    status       varchar not null default 'queued', -- 'queued', 'sent', 'failed'
    attempts     integer not null default 0,
    delivered_at timestamptz,
    last_error   varchar                           -- redacted, one line
);
