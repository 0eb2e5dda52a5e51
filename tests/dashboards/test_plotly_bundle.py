"""Charts load plotly.js's basic bundle, not Dash's full one: the app answers the URL dcc.Graph
loads plotly.js from with the vendored basic bundle when its minor version is the installed
plotly's, and leaves Dash's full bundle when it is not (a figure is JSON for one plotly.js version)."""

from __future__ import annotations

from pathlib import Path

import dash
from flask import Flask
from flask.testing import FlaskClient
from plotly.offline import get_plotlyjs_version

from dashboards import create_app, plotly_bundle
from tests.dashboards.conftest import Seeded

SERVED = plotly_bundle.PLOTLY_PATH  # what dash-renderer asks for once a chart mounts


def test_the_vendored_bundle_is_the_installed_plotlys_minor_version() -> None:
    # Fails after an upgrade of plotly to another plotly.js minor version (the app then serves
    # Dash's full bundle): vendor that version's plotly.js-basic-dist-min.
    assert plotly_bundle.same_minor(plotly_bundle.bundle_version(), get_plotlyjs_version())
    assert plotly_bundle.same_minor("4.1.1", "4.1.3")
    assert not plotly_bundle.same_minor("4.1.1", "4.2.0")
    assert not plotly_bundle.same_minor(None, "4.1.1")


def test_charts_load_the_basic_bundle_a_quarter_of_the_full_one(seeded: Seeded) -> None:
    app = create_app(seeded.store)
    client: FlaskClient = app.server.test_client()
    served = client.get(SERVED)
    assert served.status_code == 200
    assert served.mimetype == "application/javascript"
    assert served.data.startswith(b"/**\n* plotly.js (basic - minified) v")
    assert len(served.data) < 1.5e6  # the full bundle is 4.8 MB
    again = client.get(SERVED, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304  # a repeat visit revalidates, nothing downloaded again
    assert app.server.extensions["tracker_close"]()


def test_another_plotly_version_keeps_dashs_full_bundle() -> None:
    server = Flask(__name__)
    assert not plotly_bundle.install(server, plotlyjs_version="4.2.0")
    assert server.before_request_funcs == {}  # nothing answers Dash's plotly.js URL but Dash
    assert plotly_bundle.install(server, plotlyjs_version=plotly_bundle.bundle_version())
    assert len(server.before_request_funcs[None]) == 1


def test_dash_renderer_still_loads_plotly_from_the_url_the_app_answers() -> None:
    # dash-renderer fixes where dcc.Graph's plotly.js comes from; if a Dash release moves it,
    # the basic bundle would silently stop being used: this fails first.
    renderer = Path(dash.__file__).parent / "dash-renderer" / "build" / "dash_renderer.min.js"
    assert SERVED.lstrip("/") in renderer.read_text()
