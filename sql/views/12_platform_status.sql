-- title: platform_status
-- description: each platform's state now ('ok', 'blocked', 'degraded', 'disabled', 'off') and a one-line
-- note: `platform_status_at(now())`. Read this, not `platform_state`, whose `blocked_until`
-- may lie in the past.
-- grain: one row per platform with a row in platform_state
create or replace view platform_status as
select * from platform_status_at(now());
