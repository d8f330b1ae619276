"""GET /healthz: 200 "ok" while the database answers, 503 when it does not; no login, no
session, no CSRF. The production case (plain HTTP, no redirect) is in test_settings.py."""

import pytest
from django.db import OperationalError
from django.test import Client

from cluster_platform import health
from members.tests.factories import UserFactory


@pytest.mark.django_db
def test_it_answers_ok_as_plain_text_without_a_login():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_sets_no_cookie_and_needs_no_session(django_assert_num_queries):
    with django_assert_num_queries(1) as captured:  # SELECT 1: no session, no user, no cache table
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert captured.captured_queries[0]["sql"] == "SELECT 1"
    assert not response.cookies
    # A signed-in browser gets the same answer, and its session is left alone.
    client = Client()
    client.force_login(UserFactory())
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert not response.cookies


@pytest.mark.django_db
def test_head_works_and_other_methods_are_refused_without_a_csrf_error():
    client = Client(enforce_csrf_checks=True)
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("connection refused")


def test_it_answers_503_when_the_database_does_not(monkeypatch, caplog):
    monkeypatch.setattr(health, "connections", {"default": _BrokenConnection()})
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"database unavailable"
    assert "connection refused" in caplog.text
