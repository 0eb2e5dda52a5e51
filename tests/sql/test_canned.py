"""Canned queries by name: the params header is enforced (unknown refused, required asked
for, types checked), defaults apply, and every query in sql/queries binds from its header."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker import canned
from tracker.errors import QueryError


def test_types_defaults_and_lists_are_read_from_the_header():
    _, params = canned.bind("most_popular", {"limit": "3", "win": "6 hours"})
    assert params == {"win": "6 hours", "platform": "", "limit": 3, "as_of": None}
    _, params = canned.bind("prometheus_round_durations", {})
    assert params["bounds"][:3] == [0.1, 0.5, 1]
    _, params = canned.bind(
        "export_series", {"since": "2026-11-20T00:00:00Z", "until": "2026-11-21T00:00:00+00:00"}
    )
    assert params["since"] == datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"limt": "3"}, "query most_popular has no parameter 'limt'; it takes win, platform, limit, as_of"),
        ({"limit": "ten"}, "parameter limit must be INTEGER, got 'ten'"),
        ({"as_of": "yesterday"}, "parameter as_of must be TIMESTAMPTZ, got 'yesterday'"),
    ],
)
def test_bad_parameters_are_one_line_errors(given, message):
    with pytest.raises(QueryError, match=message):
        canned.bind("most_popular", given)


def test_a_required_parameter_is_asked_for():
    with pytest.raises(QueryError, match=r"query article_series needs --param article_id=\.\.\. \(BIGINT\)"):
        canned.bind("article_series", {})


def test_an_unknown_query_lists_the_known_ones():
    with pytest.raises(QueryError, match=r"no SQL file named 'queries/nope'; available: .*most_popular"):
        canned.bind("nope", {})
