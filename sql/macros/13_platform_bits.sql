-- title: platform_bits
-- description: each platform of `items` numbered in name order (bit 0 = the first), so a ranking
-- can collect an article's platforms as a bitmask (`bit_or(platform_bit_of(bit))`, a fixed-width
-- aggregate) and turn it back into the sorted list with `platform_list(mask)` only for the rows
-- it returns: the same list as `list_sort(list_distinct(list(platform)))`, which cost about half
-- of a ranking's per-article aggregate (a list per article over 288,240 rows; docs/benchmarks.md).
-- The mask is a UHUGEINT: up to 128 platforms (the product has six).
-- grain: one row per platform with items
create or replace macro platform_bits() as table
select p.platform, (row_number() over (order by p.platform) - 1)::integer as bit
from (select distinct i.platform from items as i) as p;

-- title: platform_bit_of
-- description: the mask with only bit `bit` set (from platform_bits), to bit_or per article.
create or replace macro platform_bit_of(bit) as 1::uhugeint << cast(bit as uhugeint);

-- title: platform_list
-- description: the platforms whose bit is set in `mask` (from platform_bits), sorted by name.
create or replace macro platform_list(mask) as
    (select list(b.platform order by b.platform) from platform_bits() as b where (mask >> cast(b.bit as uhugeint)) & 1 = 1);
