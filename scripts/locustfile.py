"""Locust users for `make load` (scripts/load.py runs locust on it): the one module that knows locust.

The plan (request paths of every page type and the bench accounts) is the JSON file named by
CASEBOOK_LOAD_PLAN. A run stops at --run-time or after --max-requests requests, whichever
comes first. Sign-ins are few and paced (--max-sign-ins, --sign-in-every): the server allows
10 sign-in attempts a minute and 50 an hour from one address, and every user here comes from
127.0.0.1.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, task

PLAN = json.loads(Path(os.environ["CASEBOOK_LOAD_PLAN"]).read_text())
PATHS: dict[str, list[str]] = PLAN["paths"]
MEMBER = PLAN["accounts"]["member"]
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SIGNED_IN = "Sign out"

_requests = itertools.count(1)
_sign_ins = itertools.count(1)
_state = {"environment": None, "stopping": False, "next_sign_in": 0.0}


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--max-requests", type=int, default=0, help="stop after this many requests (0: no limit)")
    parser.add_argument("--max-sign-ins", type=int, default=9, help="sign-in attempts in the whole run")
    parser.add_argument("--sign-in-every", type=float, default=10.0, help="seconds between later sign-ins")


@events.init.add_listener
def _remember(environment, **_kwargs) -> None:
    _state["environment"] = environment


@events.request.add_listener
def _count(**_kwargs) -> None:
    environment = _state["environment"]
    limit = environment.parsed_options.max_requests
    if limit and next(_requests) >= limit and not _state["stopping"]:
        _state["stopping"] = True
        gevent.spawn(environment.runner.quit)  # not from this user's own greenlet: quit stops them all


def _may_sign_in(paced: bool) -> bool:
    """Within the run's sign-ins, and (but for the first of each member) one per --sign-in-every
    seconds: at most 10 a minute reach the server, whichever worker counts them."""
    options = _state["environment"].parsed_options
    now = time.monotonic()
    if paced and now < _state["next_sign_in"]:
        return False
    if next(_sign_ins) > options.max_sign_ins:
        return False
    if paced:
        _state["next_sign_in"] = now + options.sign_in_every
    return True


def _pick(kind: str) -> str:
    return random.choice(PATHS[kind])


class Reader(FastHttpUser):
    """An anonymous visitor browsing pages, in this mix."""

    MIX = {"home": 2, "search": 4, "case": 4, "all cases": 1, "theme": 1, "city": 1}
    weight = 6
    wait_time = between(0.05, 0.5)

    def on_start(self) -> None:
        """The first visit: the home page, then a look at every kind of page."""
        for kind in self.MIX:
            self.visit(kind)

    def visit(self, kind: str) -> None:
        self.client.get(_pick(kind), name=kind)

    @task
    def browse(self) -> None:
        self.visit(random.choices(list(self.MIX), weights=list(self.MIX.values()))[0])


class ApiClient(FastHttpUser):
    """A program asking the JSON API."""

    weight = 2
    wait_time = between(0.05, 0.5)

    def on_start(self) -> None:
        """One question of each kind first, so a short run measures both."""
        self.search_api()
        self.search_api_typed()

    @task(3)
    def search_api(self) -> None:
        self.client.get(_pick("search api"), name="search api")

    @task
    def search_api_typed(self) -> None:
        """Questions, typos and compounds, as members type them."""
        self.client.get(_pick("search api, typed"), name="search api, typed")


class Member(FastHttpUser):
    """A member who signs in and searches everything members may see."""

    fixed_count = 3
    wait_time = between(0.05, 0.5)

    def on_start(self) -> None:
        self.signed_in = _may_sign_in(paced=False) and self._sign_in()
        self.member_search()

    def _sign_in(self) -> bool:
        page = self.client.get("/login", name="sign-in page")
        token = CSRF.search(page.text or "")
        with self.client.post("/login", data={"csrf_token": token.group(1) if token else "",
                                              "email": MEMBER["email"], "password": MEMBER["password"]},
                              name="sign-in", catch_response=True) as answer:
            if SIGNED_IN not in (answer.text or ""):
                answer.failure(f"not signed in ({answer.status_code})")
                return False
        return True

    @task(6)
    def member_search(self) -> None:
        if not self.signed_in:
            return
        with self.client.get(_pick("search"), name="member search", catch_response=True) as answer:
            if answer.status_code == 200 and SIGNED_IN not in (answer.text or ""):
                answer.failure("answered as if signed out")

    @task(2)
    def sign_in_page(self) -> None:
        self.client.get("/login", name="sign-in page")

    @task(1)
    def sign_in_again(self) -> None:
        """A fresh session, as after closing the browser."""
        if _may_sign_in(paced=True):
            self.client.cookiejar.clear()
            self.signed_in = self._sign_in()
