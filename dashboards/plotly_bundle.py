"""Charts are drawn by plotly.js's basic bundle (scatter, bar and pie: every trace the pages draw),
1.2 MB where the full bundle Dash serves is 4.8 MB.

dcc.Graph loads plotly.js only once a chart mounts, from a URL dash-renderer fixes
(`_dash-component-suites/plotly/package_data/plotly.min.js`): in Chromium, fetching and parsing
the full bundle then took longer than the rest of an article page together, the chart drawn
seconds after its data had arrived (bench/dashboard.py --browser-only). `install` answers that
URL with the basic bundle, vendored from npm's plotly.js-basic-dist-min (MIT,
vendor/plotly-basic.LICENSE), still loaded lazily, so pages without a chart (Health) never load
any. A figure is JSON for one plotly.js version: when the installed plotly's is another minor
version than the vendored bundle's (patch releases only fix bugs), Dash's own full bundle is
served, as before.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, Response, request, send_file
from plotly.offline import get_plotlyjs_version

BUNDLE = Path(__file__).with_name("vendor") / "plotly-basic.min.js"
# What dash-renderer asks for (with any `requests_pathname_prefix` before it).
PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
_VERSION = re.compile(rb"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)")


def bundle_version(path: Path = BUNDLE) -> str | None:
    """The vendored bundle's plotly.js version, from its licence header."""
    with path.open("rb") as handle:
        match = _VERSION.search(handle.read(400))
    return match.group(1).decode() if match else None


def same_minor(a: str | None, b: str | None) -> bool:
    """'4.1.1' and '4.1.3' draw the same figures; '4.2.0' may not."""
    return a is not None and b is not None and a.split(".")[:2] == b.split(".")[:2]


def install(server: Flask, plotlyjs_version: str | None = None) -> bool:
    """Serve the basic bundle where dcc.Graph loads plotly.js from; False (Dash's full bundle
    stays) when its minor version is not the installed plotly's (`plotlyjs_version`, default:
    ask plotly)."""
    if not same_minor(bundle_version(), plotlyjs_version or get_plotlyjs_version()):
        return False

    def basic_bundle() -> Response | None:
        if request.method != "GET" or not request.path.endswith(PLOTLY_PATH):
            return None
        # An ETag and no max-age: a repeat visit revalidates (304) and never keeps a bundle
        # that an upgrade replaced behind the same URL.
        return send_file(BUNDLE, mimetype="application/javascript", conditional=True, etag=True, max_age=0)

    server.before_request(basic_bundle)
    return True
