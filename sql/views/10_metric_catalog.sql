-- title: metric_catalog
-- description: the closed vocabulary of counts and gauges, and which counts are interactions.
-- grain: one row per metric or gauge name
create or replace view metric_catalog as
select * from (values
    ('views',        'count', false, 'times the post or video was shown or played'),
    ('likes',        'count', true,  'likes, favourites, hearts'),
    ('reposts',      'count', true,  'reposts, retweets, reblogs, boosts'),
    ('quotes',       'count', true,  'quote posts'),
    ('replies',      'count', true,  'direct replies'),
    ('comments',     'count', true,  'comments in a thread (HN descendants, Reddit num_comments, YouTube comments)'),
    ('shares',       'count', true,  'shares of a URL (Facebook share_count, Mastodon trend uses)'),
    ('reactions',    'count', true,  'Facebook reactions'),
    ('score',        'count', true,  'net votes (Hacker News points, Reddit score)'),
    ('bookmarks',    'count', true,  'bookmarks / saves'),
    ('rank',         'gauge', false, 'position on a front page or trend list (1 = top)'),
    ('upvote_ratio', 'gauge', false, 'share of votes that are upvotes (Reddit)')
) as t(metric, kind, is_interaction, description);
