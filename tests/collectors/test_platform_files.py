"""Every registered platform is complete (datasette's test that every setting is documented is
the model): its simulator fake `tracker/simweb/NAME.py`, its docs page `docs/platforms/NAME.md`
and its tests `tests/collectors/test_NAME.py`. Adding a platform without one of them fails here."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tracker.registry import BUILTIN_COLLECTORS
from tracker.simweb.fake import Fake
from tracker.simweb.server import fake_modules

ROOT = Path(__file__).resolve().parents[2]
NAMES = [module.rsplit(".", 1)[-1] for module in BUILTIN_COLLECTORS]


@pytest.mark.parametrize("name", NAMES)
def test_every_platform_has_a_simulator_fake(name):
    assert (ROOT / "tracker" / "simweb" / f"{name}.py").is_file(), f"tracker/simweb/{name}.py is missing"
    fake = importlib.import_module(f"tracker.simweb.{name}").PlatformFake
    assert issubclass(fake, Fake)
    assert f"tracker.simweb.{name}" in fake_modules()


@pytest.mark.parametrize("name", NAMES)
def test_every_platform_has_a_docs_page_that_names_its_module(name):
    page = ROOT / "docs" / "platforms" / f"{name}.md"
    assert page.is_file(), f"docs/platforms/{name}.md is missing"
    assert f"collectors/{name}.py" in page.read_text(), f"docs/platforms/{name}.md does not name its module"


@pytest.mark.parametrize("name", NAMES)
def test_every_platform_has_its_test_file(name):
    tests = ROOT / "tests" / "collectors" / f"test_{name}.py"
    assert tests.is_file(), f"tests/collectors/test_{name}.py is missing"
    assert "def test_" in tests.read_text()


def test_fakes_that_hold_posts_say_how_their_keys_look():
    import numpy as np

    from tracker.simweb.world import SimArticle

    article = SimArticle(7, "https://news.example.com/a/", "a", "A", "world", "Desk", None)  # type: ignore[arg-type]
    rng = np.random.default_rng(1)
    for module in fake_modules():
        fake = importlib.import_module(module).PlatformFake
        if fake.HOLDS_POSTS:
            key = fake.post_key(article, 0, 1_234_567, rng)
            assert isinstance(key, str) and key, module
