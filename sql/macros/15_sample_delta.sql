-- title: sample_delta
-- description: a sample's change since its series' previous sample (`prev_value`, kept on each
-- row since migration 0040); the first sample of a series carries its whole value. Defined once
-- here for `item_deltas` and `article_deltas`, which read the same rows two ways.
-- grain: one number per sample
create or replace macro sample_delta(value, prev_value) as value - coalesce(prev_value, 0);
