-- title: analytics_setting
-- description: one constant of the analytics (trending score, interpolation), from the
-- analytics_settings table that the [trending] config section fills at each start.
-- grain: scalar
-- params: setting_name VARCHAR
create or replace macro analytics_setting(setting_name) as
    (select s.value from analytics_settings as s where s.name = setting_name);

-- title: as_window
-- description: a window given as an INTERVAL or a string ('24 hours', '6h', '90 minutes').
create or replace macro as_window(win) as cast(win as interval);
