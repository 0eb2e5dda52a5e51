"""`tracker track` with platform URLs that need more than syntax: Reddit share links (resolved by
Reddit's redirect), Mastodon statuses on instances not in the config, and Bluesky handle URLs
while the handle resolver is down. Real processes, real HTTP to the simulator on 127.0.0.1."""

from __future__ import annotations

from tests.e2e_support import sql_json, tracker, write_config
from tracker.simweb.reddit import share_code, subreddit


def _live(sim, platform, private_ok=False):
    now = sim.world.now()
    return next(
        p
        for p in sim.world.posts[platform].values()
        if p.created_at <= now and not sim.world.is_gone(p) and (private_ok or not p.private)
    )


def test_reddit_share_links_track_the_post_id_and_an_unknown_code_fails_alone(sim, tmp_path):
    config = write_config(sim, tmp_path)
    post = _live(sim, "reddit")
    first = f"https://www.reddit.com/r/{subreddit(post)}/s/{share_code(post.key)}"
    second = f"https://sh.reddit.com/r/{subreddit(post)}/s/{share_code(post.key, 2)}"
    unknown = "https://www.reddit.com/r/news/s/NoSuchCode"
    result = tracker(config, "track", first, unknown, second, check=False)
    assert result.returncode == 1
    assert f"now tracking: reddit item {post.key}" in result.stdout
    assert f"already tracked: reddit item {post.key}" in result.stdout  # another share, one post
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "NoSuchCode" in errors[0] and "unknown to Reddit (HTTP 404)" in errors[0]
    assert sql_json(config, "select platform, item_key from items") == [
        {"platform": "reddit", "item_key": post.key}
    ]


def test_mastodon_status_on_an_instance_not_in_the_config_is_tracked_and_sampled(sim, tmp_path):
    config = write_config(sim, tmp_path)
    text = config.read_text()
    configured = f'instances = ["{sim.url}/mastodon"]'
    assert configured in text
    # The simulator's root serves as an instance no config names (it listens on 127.0.0.1).
    config.write_text(
        text.replace(configured, 'instances = ["https://mastodon.example"]\nallow_private = true')
    )
    post = _live(sim, "mastodon")
    status_url = f"{sim.url}/@{post.author}/{post.key}"
    article_like = f"https://news.example.com/section/@{post.author}/{post.key}"
    out = tracker(config, "track", status_url, article_like).stdout
    host = sim.url.removeprefix("http://")
    assert f"now tracking: mastodon item {host}/{post.key}" in out
    assert "now tracking: article  https://news.example.com/section/" in out
    tracker(config, "collect", "--once", "--platform", "mastodon")
    counts = sim.world.engagement(post)
    rows = sql_json(
        config,
        "select i.item_key, s.metric, s.value from samples s join items i using (item_id) "
        "where i.platform = 'mastodon'",
    )
    assert {r["metric"]: r["value"] for r in rows if r["item_key"] == f"{host}/{post.key}"} == {
        "reposts": counts["reposts"],
        "likes": counts["interactions"],
        "replies": counts["replies"],
        "quotes": counts["quotes"],
    }
