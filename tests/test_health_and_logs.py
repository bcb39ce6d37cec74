"""/healthz for load balancers, and logs with a request id on every line."""
from __future__ import annotations

import io
import json
import logging
import shutil

from app import logs
from app.models import IndexChange, utcnow


def test_health_says_where_the_node_stands(client, add_case):
    add_case(title="A case for health")
    answer = client.get("/healthz")
    body = answer.get_json()
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert body["status"] == "ok" and body["database"]["reachable"] is True
    assert body["index"]["ready"] is True and body["index"]["generation"].startswith("gen-")
    assert body["log_position"] == body["index"]["applied"] >= 1
    assert body["pending"] == 0 and body["seconds_behind"] == 0.0
    assert "A case for health" not in answer.get_data(as_text=True)


def test_health_counts_changes_the_index_has_not_applied(app, client, add_case):
    add_case()
    with app.app_context():
        from app import db
        session = db.session()
        session.add(IndexChange(slug="sample-case", changed_at=utcnow()))  # as a change made on another node
        session.commit()
    body = client.get("/healthz").get_json()
    assert body["status"] == "catching_up" and body["pending"] == 1
    assert body["log_position"] == body["index"]["applied"] + 1 and body["seconds_behind"] >= 0


def test_health_is_503_without_a_search_index_and_open_in_safe_space_mode(app, client, add_case):
    add_case()
    app.config["SAFE_SPACE"] = True
    assert client.get("/").status_code == 302  # everything else asks visitors to sign in ...
    shutil.rmtree(app.config["INDEX_DIR"])
    answer = client.get("/healthz")  # ... the health check answers, without content
    assert answer.status_code == 503 and answer.get_json()["index"]["ready"] is False


def test_every_request_is_logged_once_with_its_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="casebook.request"):
        answer = client.get("/search?q=water", headers={"X-Request-ID": "proxy-abc-123"})
        other = client.get("/")
    lines = [r for r in caplog.records if r.name == "casebook.request"]
    assert [(r.path, r.status) for r in lines] == [("/search", 200), ("/", 200)]
    assert answer.headers["X-Request-ID"] == "proxy-abc-123" == lines[0].request_id
    assert len(other.headers["X-Request-ID"]) == 16 and lines[1].request_id == other.headers["X-Request-ID"]


def test_a_secret_in_a_path_never_reaches_the_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="casebook.request"):
        client.get("/invite/abcdefghijklmnopqrstuvwxyz0123456789ABCD")
    assert [r.path for r in caplog.records if r.name == "casebook.request"] == ["/invite/…"]


def test_json_log_lines_carry_the_request_id(client):
    stream = io.StringIO()
    handler = logs.configure("json", "INFO", stream)
    try:
        answer = client.get("/api/v1/search?q=water")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    request_lines = [line for line in lines if line["logger"] == "casebook.request"]
    assert request_lines and request_lines[-1]["request_id"] == answer.headers["X-Request-ID"]
    assert request_lines[-1]["path"] == "/api/v1/search" and request_lines[-1]["status"] == 200
    assert request_lines[-1]["time"].endswith("Z") and isinstance(request_lines[-1]["duration_ms"], float)


def test_an_unexpected_error_is_logged_with_its_request_id_and_answered_politely(app, client, caplog, monkeypatch):
    from app.services import cases

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cases, "recent_cases", broken)
    with caplog.at_level(logging.INFO):
        page = client.get("/")
        api = client.get("/api/v1/cases/x", headers={"Accept": "application/json"})
    assert page.status_code == 500 and "Something went wrong" in page.get_data(as_text=True)
    assert "a bug" not in page.get_data(as_text=True) and api.status_code == 404
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info and errors[0].request_id == page.headers["X-Request-ID"]
