"""The owner's HTTP API: Arrow answers for read-only SQL, one-line JSON errors, and the query
and tracking endpoints refused to anyone who is not on this machine."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from flask import Flask

from tracker.config import Config
from tracker.owner.api import add_api
from tracker.service import open_collection


@pytest.fixture
def client(tmp_path, clock):
    config = Config()
    config = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, path=str(tmp_path / "w.duckdb"))
    )
    opened = open_collection(config, clock=clock, platforms={})
    app = Flask("test")
    add_api(app, opened)
    yield app.test_client()
    opened.close()


def test_sql_answers_arrow_to_this_machine(client):
    answer = client.post("/api/sql", json={"sql": "select 42 as answer"})
    assert answer.status_code == 200
    assert pl.read_ipc_stream(answer.data).to_dicts() == [{"answer": 42}]


def test_track_through_the_api(client):
    answer = client.post("/api/track", json={"urls": ["https://news.example.com/a/?utm_source=x"]})
    assert answer.status_code == 200
    assert answer.get_json()["tracked"][0]["url"] == "https://news.example.com/a/"


@pytest.mark.parametrize("path", ["/api/sql", "/api/named", "/api/track", "/api/untrack"])
def test_query_and_tracking_endpoints_refuse_other_machines(client, path):
    answer = client.post(
        path,
        json={"sql": "select 1", "urls": ["https://news.example.com/b/"]},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert answer.status_code == 403 and "only on the machine" in answer.get_json()["error"]
    assert client.get("/api/health", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"sql": "explain analyze delete from samples"}, "EXPLAIN is allowed only"),
        ({"sql": "select * from nowhere"}, "nowhere"),
        ({}, "empty query"),
    ],
)
def test_bad_queries_are_one_line_json_errors(client, payload, needle):
    answer = client.post("/api/sql", json=payload)
    assert answer.status_code == 400
    assert needle in answer.get_json()["error"] and "\n" not in answer.get_json()["error"]


def test_non_json_body_is_refused(client):
    answer = client.post("/api/sql", data="select 1", content_type="text/plain")
    assert answer.status_code == 400 and "JSON" in answer.get_json()["error"]
