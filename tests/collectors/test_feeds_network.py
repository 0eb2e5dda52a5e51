"""Discovery fetches nothing it should not, over real HTTP on 127.0.0.1: only the configured
site's hosts, no redirect off them, no loopback or private address unless the site allows it,
and no article at a non-public address taken from a feed."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from tracker.collector import Discovery
from tracker.config import from_mapping
from tracker.errors import BadResponse
from tracker.owner.background import BackgroundServer


class Site:
    """A tiny news site on loopback that records every path it is asked for."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        self._server = BackgroundServer(self._app, name="ssrf-site").start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(f"{request.host}{request.path}")
        route = self.routes.get(request.path)
        if route is None:
            return Response(b"nothing here", 404)(environ, start_response)
        response = route(self) if callable(route) else Response(route, 200, mimetype="application/rss+xml")
        return response(environ, start_response)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def close(self) -> None:
        self._server.stop()


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>{link}</title><link>{link}</link></item>" for link in links)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    )


def _run(make_collector, **site: Any) -> tuple[list[Discovery], BadResponse | None]:
    sites = from_mapping({"sites": [{"name": "S", **site}]}).sites
    found: list[Discovery] = []
    try:
        for record in make_collector("feeds", sites=sites).collector.discover({}):
            if isinstance(record, Discovery):
                found.append(record)
    except BadResponse as exc:
        return found, exc
    return found, None


def test_a_loopback_site_is_not_fetched_unless_it_allows_private_addresses(make_collector):
    site = Site({"/feed": _rss("https://news.example.com/a/1")})
    try:
        found, error = _run(make_collector, url=site.url, feeds=[f"{site.url}/feed"])
        assert found == [] and error is not None
        assert "127.0.0.1 is a loopback address" in str(error) and "allow_private" in str(error)
        assert site.requests == []  # nothing was sent
        found, error = _run(make_collector, url=site.url, feeds=[f"{site.url}/feed"], allow_private=True)
        assert error is None and [d.url for d in found] == ["https://news.example.com/a/1/"]
    finally:
        site.close()


def test_a_redirect_off_the_sites_hosts_is_refused(make_collector):
    def elsewhere(server: Site) -> Response:
        # The same server under another name: a different host, so the rule must refuse it.
        return Response(b"", 302, headers={"Location": f"http://localhost:{server.port}/internal"})

    site = Site({"/feed": elsewhere, "/internal": _rss("https://news.example.com/secret")})
    try:
        found, error = _run(make_collector, url=site.url, feeds=[f"{site.url}/feed"], allow_private=True)
    finally:
        site.close()
    assert found == []
    assert error is not None and "localhost is not one of the site's hosts" in str(error)
    assert site.requests == [f"127.0.0.1:{site.port}/feed"]  # /internal was never asked for


def test_a_redirect_within_the_site_is_followed(make_collector):
    def moved(server: Site) -> Response:
        return Response(b"", 301, headers={"Location": f"{server.url}/feed/"})

    site = Site({"/feed": moved, "/feed/": _rss("https://news.example.com/a/2")})
    try:
        found, error = _run(make_collector, url=site.url, feeds=[f"{site.url}/feed"], allow_private=True)
    finally:
        site.close()
    assert error is None and [d.url for d in found] == ["https://news.example.com/a/2/"]


def test_articles_at_non_public_addresses_are_not_tracked(make_collector):
    site = Site(
        {
            "/feed": _rss(
                "http://2130706433/admin",
                "http://0x7f.1/admin",
                "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.5/intranet",
                "http://[::1]/x",
                "http://[::ffff:127.0.0.1]/x",
                "http://localhost/x",
                "https://news.example.com/a/3",
            )
        }
    )
    try:
        found, error = _run(make_collector, url=site.url, feeds=[f"{site.url}/feed"], allow_private=True)
    finally:
        site.close()
    assert error is None
    assert [d.url for d in found] == ["https://news.example.com/a/3/"]


def test_follow_canonical_fetches_no_page_outside_the_site(make_collector):
    page = b'<html><head><link rel="canonical" href="/a/4-canonical"></head><body></body></html>'
    site = Site(
        {
            "/feed": _rss("https://elsewhere.example.net/a/9", "/a/4"),
            "/a/4/": lambda s: Response(page, 200, mimetype="text/html"),
        }
    )
    try:
        found, error = _run(
            make_collector,
            url=site.url,
            feeds=[f"{site.url}/feed"],
            allow_private=True,
            follow_canonical=True,
        )
    finally:
        site.close()
    assert error is None
    assert sorted(d.url for d in found) == [
        f"http://127.0.0.1:{site.port}/a/4-canonical/",
        "https://elsewhere.example.net/a/9/",
    ]
    assert not any("elsewhere" in r for r in site.requests)
    assert site.requests == [f"127.0.0.1:{site.port}/feed", f"127.0.0.1:{site.port}/a/4/"]
