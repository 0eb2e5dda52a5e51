-- title: is_interaction
-- description: true for counts that are an act of engagement (every count but views).
-- Gauges (rank, upvote_ratio) are never interactions.
create or replace macro is_interaction(metric) as
    metric in ('likes', 'reposts', 'quotes', 'replies', 'comments', 'shares', 'reactions', 'score', 'bookmarks');
