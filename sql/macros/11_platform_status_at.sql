-- title: platform_status_at
-- description: each platform's state at `as_of`, from `platform_state`, by one rule that the
-- runner, `tracker status` and the Health page all read: 'off' (not configured or no
-- credentials; set at each start), 'disabled' (the platform refused our credentials),
-- 'blocked' (throttled until `blocked_until`, which is still ahead of `as_of`), else 'ok'.
-- `note` says why in one line (NULL when ok); `blocked_until` is NULL unless the block is in
-- force, so an expired throttle is neither shown nor enforced.
-- grain: one row per platform with a row in platform_state
-- params: as_of TIMESTAMPTZ = NULL (now)
create or replace macro platform_status_at(as_of := null) as table
select
    s.platform,
    case
        when s.disabled_reason like 'off: %' then 'off'
        when s.disabled_reason is not null then 'disabled'
        when s.blocked_until > coalesce(as_of, now()) then 'blocked'
        else 'ok'
    end as state,
    case
        when s.disabled_reason is not null then s.disabled_reason
        when s.blocked_until > coalesce(as_of, now()) then s.blocked_reason
    end as note,
    case
        when s.disabled_reason is null and s.blocked_until > coalesce(as_of, now()) then s.blocked_until
    end as blocked_until,
    s.updated_at
from platform_state as s;
