"""The registry refuses a collector module whose declarations disagree with its code: roles
without their methods, optional methods without their role, unknown config needs, bad colours."""

from __future__ import annotations

import types
from typing import Any

import pytest

import collectors.hackernews as hackernews
from tracker.errors import ConfigError
from tracker.registry import validate


def module_like_hackernews(**overrides: Any) -> types.ModuleType:
    module = types.ModuleType("collectors.fake_hn", hackernews.__doc__)
    for name in ("NAME", "ROLES", "COLOR", "LIMITS", "CREDENTIALS", "Settings", "Collector"):
        setattr(module, name, getattr(hackernews, name))
    for name, value in overrides.items():
        if value is None:
            delattr(module, name)
        else:
            setattr(module, name, value)
    return module


def test_a_valid_module_keeps_its_roles_and_colour():
    platform = validate(module_like_hackernews())
    assert platform.roles == {"samples", "searches_shares", "reads_trends"}
    assert platform.color == hackernews.COLOR and platform.needs == ()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ROLES": None}, "ROLES must name"),
        ({"ROLES": ("samples", "dances")}, "unknown role 'dances'"),
        ({"ROLES": ("samples",)}, r"find_shares\(\) needs one of the roles searches_shares"),
        ({"ROLES": ("samples", "searches_shares")}, r"discover\(\) needs one of the roles"),
        ({"NEEDS": ("storage",)}, "NEEDS 'storage' must be one of sites"),
        ({"NEEDS": ("sites",)}, "NEEDS 'sites' must be one of sites, url_rules and a Settings field"),
        ({"COLOR": "orange"}, 'COLOR must be "#rrggbb"'),
    ],
)
def test_declarations_that_disagree_with_the_module_are_one_line_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate(module_like_hackernews(**overrides))


def test_a_role_without_its_method_is_refused():
    class NoSearch(hackernews.Collector):
        find_shares = None  # type: ignore[assignment]

    with pytest.raises(ConfigError, match=r"role searches_shares needs Collector.find_shares\(\)"):
        validate(module_like_hackernews(Collector=NoSearch))
