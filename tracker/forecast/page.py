"""Front-page context: where a story stands among the others on the page at the same moment.

A story's own rank says where it is; the page says how long it may stay there. A story ranked
above stories with more points than it is young and rising (Hacker News ranks by points over
age), one far above the bottom of the page in points will not drop off soon, and a busy page
(many votes an hour) lifts everything on it. The input is one row per (moment, key) the page was
read, with the rank and, where the store has it, the count at that moment; the output adds
`ctx_*` columns that `features.curve_features` carries at the last page sighting. Both the
product (rank gauges of one collection round share their timestamp) and `bench/accuracy.py`
(one snapshot per commit) build the page this way.
"""

from __future__ import annotations

import polars as pl

FRONT_PAGE_SLOTS = 30  # Hacker News shows 30 stories on its front page

CONTEXT_COLUMNS = (
    "ctx_points_rank_gap",
    "ctx_points_vs_bottom",
    "ctx_points_vs_median",
    "ctx_velocity_rank",
    "ctx_page_activity",
    "ctx_hour",
    "ctx_weekday",
)


def page_context(page: pl.DataFrame) -> pl.DataFrame:
    """`(moment, key, rank, points)` -> `(moment, key, ctx_*)` for the stories on the front page.

    - ctx_points_rank_gap: its place by points among the page's stories (1 = most) less its
      rank: positive when stories with more points sit below it (it is young and rising);
    - ctx_points_vs_bottom / _vs_median: ln(1+points) less that of the lowest-ranked story with
      a known count / the page's median (how far it is from dropping off);
    - ctx_velocity_rank: its place by points gained an hour since its previous sighting (1 =
      fastest on the page);
    - ctx_page_activity: ln(1 + points an hour gained by the whole page) (a busy moment);
    - ctx_hour, ctx_weekday: when the page was read (UTC hour with minutes, ISO weekday).
    """
    on_page = page.filter(pl.col("rank") <= FRONT_PAGE_SLOTS).sort("key", "moment")
    hours = (pl.col("moment") - pl.col("moment").shift(1).over("key")).dt.total_seconds() / 3600.0
    gained = pl.col("points") - pl.col("points").shift(1).over("key")
    on_page = on_page.with_columns(
        velocity=pl.when(hours > 0).then(gained / hours).otherwise(0.0).fill_null(0.0).clip(0.0, None),
        log_points=pl.col("points").cast(pl.Float64).log1p(),
    )
    lp = pl.col("log_points")
    out = on_page.with_columns(
        ctx_points_rank_gap=pl.col("points").rank("min", descending=True).over("moment").cast(pl.Float64)
        - pl.col("rank"),
        ctx_points_vs_bottom=lp - lp.sort_by("rank").drop_nulls().last().over("moment"),
        ctx_points_vs_median=lp - lp.median().over("moment"),
        ctx_velocity_rank=pl.col("velocity").rank("min", descending=True).over("moment").cast(pl.Float64),
        ctx_page_activity=pl.col("velocity").sum().over("moment").log1p(),
        ctx_hour=pl.col("moment").dt.hour().cast(pl.Float64) + pl.col("moment").dt.minute() / 60.0,
        ctx_weekday=pl.col("moment").dt.weekday().cast(pl.Float64),
    )
    return out.select("moment", "key", *CONTEXT_COLUMNS).sort("moment", "key")
