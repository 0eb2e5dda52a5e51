"""Who may use the server: a login on any non-loopback bind (hashed passwords or a token from an
env var), the public box left open, Host/Origin checks against DNS rebinding on every bind, no
file paths for anonymous callers, and `tracker run` refusing to expose itself unprotected."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from dashboards import create_app
from tests.dashboards.conftest import Seeded
from tracker.config import Config
from tracker.errors import ConfigError
from tracker.owner.access import Access
from tracker.owner.api import add_api
from tracker.service import open_collection

TOKEN = "s3cret-token-for-tests"
ENV = {"DASH_TOKEN": TOKEN}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def exposed(seeded: Seeded) -> FlaskClient:
    """The app as `tracker run --host 0.0.0.0` builds it, with one user and a token."""
    access = Access.from_settings(
        "0.0.0.0",
        users=[f"editor:{generate_password_hash('correct horse')}"],
        token_env="DASH_TOKEN",
        environ=ENV,
        allowed_hosts=["tracker.example.org"],
    )
    return create_app(seeded.store, access=access).server.test_client()


def test_a_non_loopback_bind_without_a_login_is_refused() -> None:
    with pytest.raises(ConfigError, match="reachable from the network"):
        Access.from_settings("0.0.0.0", token_env="DASH_TOKEN", environ={})
    with pytest.raises(ConfigError, match="name:<password hash>"):
        Access.from_settings("0.0.0.0", users=["editor"], environ={})
    assert not Access.from_settings("127.0.0.1", environ={}).login_required
    assert Access.from_settings("::1", environ={}).login_required is False


@pytest.mark.parametrize("path", ["/", "/trending", "/article/1", "/download/health.csv", "/_dash-layout"])
def test_pages_demand_a_login_when_exposed(exposed: FlaskClient, path: str) -> None:
    response = exposed.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert exposed.get(path, headers=basic("editor", "wrong")).status_code == 401
    assert exposed.get(path, headers=basic("editor", "correct horse")).status_code == 200
    assert exposed.get(path, headers=basic("anyone", TOKEN)).status_code == 200
    assert exposed.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert exposed.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_public_box_stays_open_alone(seeded: Seeded, exposed: FlaskClient) -> None:
    assert exposed.get("/api/most-popular?limit=1").status_code == 200
    assert exposed.get("/embed/most-popular?limit=1").status_code == 200
    closed = Access.from_settings("0.0.0.0", token_env="DASH_TOKEN", environ=ENV, public_box=False)
    client = create_app(seeded.store, access=closed).server.test_client()
    assert client.get("/api/most-popular").status_code == 401
    assert client.get("/api/most-popular", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def _dash_post(client: FlaskClient, **headers: str) -> int:
    body = {  # the router's callback for a visit of /health
        "output": "..page.children...nav.children...freshness.children..",
        "outputs": [
            {"id": "page", "property": "children"},
            {"id": "nav", "property": "children"},
            {"id": "freshness", "property": "children"},
        ],
        "inputs": [
            {"id": "url", "property": "pathname", "value": "/health"},
            {"id": "url", "property": "search", "value": ""},
            {"id": "browser-tz", "property": "data", "value": None},
        ],
        "changedPropIds": ["url.pathname"],
    }
    return client.post("/_dash-update-component", json=body, headers=headers).status_code


def test_callbacks_refuse_a_foreign_host_or_origin_even_on_loopback(seeded: Seeded) -> None:
    client = create_app(seeded.store).server.test_client()  # the default: a loopback bind
    assert _dash_post(client, Host="127.0.0.1:8050", Origin="http://127.0.0.1:8050") == 200
    assert _dash_post(client, Host="localhost:8050") == 200
    # A page on rebind.evil.example whose DNS now points at 127.0.0.1:
    assert (
        _dash_post(client, Host="rebind.evil.example:8050", Origin="http://rebind.evil.example:8050") == 403
    )
    # A page elsewhere posting cross-origin to the real address:
    assert _dash_post(client, Host="127.0.0.1:8050", Origin="https://evil.example") == 403


def test_exposed_callbacks_accept_the_configured_name(exposed: FlaskClient) -> None:
    auth = basic("editor", "correct horse")
    assert (
        _dash_post(exposed, Host="tracker.example.org", Origin="https://tracker.example.org", **auth) == 200
    )
    assert _dash_post(exposed, Host="other.example.org", **auth) == 403
    assert _dash_post(exposed, Host="tracker.example.org") == 401  # right host, no login


@pytest.fixture
def owner_api(tmp_path: Path, clock) -> Iterator[tuple[FlaskClient, Path]]:
    config = Config()
    config = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, path=str(tmp_path / "o.duckdb"))
    )
    opened = open_collection(config, clock=clock, platforms={})
    app = Flask("owner")
    Access("127.0.0.1", {}).install(app)
    add_api(app, opened)
    yield app.test_client(), tmp_path
    opened.close()


def test_a_dns_rebinding_page_cannot_track_through_the_owner_api(owner_api) -> None:
    client, _ = owner_api
    payload = {"urls": ["https://news.example.com/a/"]}
    refused = client.post("/api/track", json=payload, headers={"Host": "rebind.evil.example:8050"})
    assert refused.status_code == 403
    assert "Host" in refused.get_json()["error"]
    assert (
        client.post(
            "/api/sql", json={"sql": "select 1"}, headers={"Origin": "http://evil.example"}
        ).status_code
        == 403
    )
    assert client.post("/api/track", json=payload, headers={"Host": "127.0.0.1:8050"}).status_code == 200


def test_health_reveals_no_path_to_anonymous_callers(owner_api) -> None:
    client, tmp_path = owner_api
    body = client.get("/api/health").get_json()
    assert body == {"ok": True}
    assert str(tmp_path) not in client.get("/api/health").get_data(as_text=True)


def test_tracker_run_on_a_public_address_demands_a_login(tmp_path: Path, clock, monkeypatch) -> None:
    """The real `tracker run` serving path on 0.0.0.0 over real HTTP."""
    from dashboards import create_app
    from tracker.owner.claim import own
    from tracker.owner.process import serve

    base = Config()
    server = dataclasses.replace(base.server, token_env="DASH_RUN_TOKEN")
    config = dataclasses.replace(
        base, server=server, storage=dataclasses.replace(base.storage, path=str(tmp_path / "r.duckdb"))
    )
    with own(config, "run", clock=clock, platforms={}) as owned:
        with pytest.raises(ConfigError, match="DASH_RUN_TOKEN"):
            serve(
                owned, ("0.0.0.0", 0), announce=lambda _: None, stop=threading.Event(), app_factory=create_app
            )
        monkeypatch.setenv("DASH_RUN_TOKEN", TOKEN)
        lines: list[str] = []
        ready, stop = threading.Event(), threading.Event()

        def announce(line: str) -> None:
            lines.append(line)
            ready.set()

        thread = threading.Thread(
            target=serve,
            args=(owned, ("0.0.0.0", 0), announce),
            kwargs={"stop": stop, "app_factory": create_app},
        )
        thread.start()
        try:
            assert ready.wait(30)
            port = re.search(r":(\d+)/", lines[0]).group(1)  # type: ignore[union-attr]
            url = f"http://127.0.0.1:{port}"
            assert httpx.get(f"{url}/", timeout=10).status_code == 401
            assert (
                httpx.get(f"{url}/", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).status_code
                == 200
            )
            assert httpx.get(f"{url}/api/most-popular", timeout=10).status_code == 200
            assert httpx.get(f"{url}/_dash-layout", timeout=10).status_code == 401
            index = httpx.get(f"{url}/", auth=("x", TOKEN), timeout=10).text
            config = json.loads(re.search(r'id="_dash-config"[^>]*>(.*?)</script>', index, re.S).group(1))  # type: ignore[union-attr]
            assert config["ui"] is False and config["props_check"] is False  # Dash debug is off
        finally:
            stop.set()
            thread.join(30)
