-- title: platform_names
-- description: the platforms of `items`, sorted by name: the numbering of platform_bits (bit 0 =
-- the first). An uncorrelated subquery: DuckDB evaluates it once per query.
-- grain: scalar (a list of platform names)
create or replace macro platform_names() as
    (select list(p.platform order by p.platform) from (select distinct i.platform from items as i) as p);

-- title: platform_bits
-- description: each platform of `items` with its bit (its place in platform_names, from 0), so a
-- ranking can collect an article's platforms as a bitmask (`bit_or(platform_bit_of(bit))`, a
-- fixed-width aggregate) and turn it back into the sorted list with `platform_list(mask)` for the
-- rows it returns: the same list as `list_sort(list_distinct(list(platform)))`, which cost about
-- half of a ranking's per-article aggregate (a list per article over 288,240 rows;
-- docs/benchmarks.md). The mask is a UHUGEINT: up to 128 platforms (the product has six).
-- grain: one row per platform with items
create or replace macro platform_bits() as table
select n.names[k] as platform, k - 1 as bit
from (select platform_names() as names) as n, range(1, len(n.names) + 1) as r(k);

-- title: platform_bit_of
-- description: the mask with only bit `bit` set (from platform_bits), to bit_or per article.
create or replace macro platform_bit_of(bit) as 1::uhugeint << cast(bit as uhugeint);

-- title: platform_list
-- description: the platforms whose bit is set in `mask` (from platform_bits), sorted by name; a
-- list comprehension over platform_names, not a correlated subquery (which made DuckDB
-- materialise the ranking's rows to join them back).
create or replace macro platform_list(mask) as
    [p for p, k in platform_names() if (mask >> cast(k - 1 as uhugeint)) & 1 = 1];
