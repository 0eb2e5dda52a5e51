"""Alerts: rules over the same SQL definitions the dashboards use, and webhook delivery
(Slack-compatible or generic JSON) that retries with back-off on its own thread, so a slow or
failing receiver never holds up collection. `alert_log` remembers what was sent, which gives
one alert per article, rule and cool-down."""
