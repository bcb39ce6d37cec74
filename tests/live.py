"""Real servers for tests: gunicorn with this checkout's gunicorn.conf.py, a TCP relay that can
be cut (a database or Redis going away), and a small HTTP client that keeps cookies and CSRF."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def own_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database NAME on the server of SERVER_URL (one of the same name
    left by a killed run is dropped first); its URL, and it is dropped again afterwards."""
    import sqlalchemy as sa

    url = sa.engine.make_url(server_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return True
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


@dataclass
class Answer:
    status: int
    text: str
    headers: dict

    def json(self):
        return json.loads(self.text)


class Client:
    """Cookies kept, redirects followed, CSRF tokens read from the last page: a browser without a screen."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.last = ""

    def get(self, path: str, timeout: float = 10) -> Answer:
        return self._open(urllib.request.Request(self.base + path), timeout)

    def post(self, path: str, data: dict, timeout: float = 30) -> Answer:
        body = urllib.parse.urlencode({"csrf_token": self.csrf(), **data}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body), timeout)

    def upload(self, path: str, files: dict[str, str], timeout: float = 30) -> Answer:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.csrf()}\r\n']
        for name, text in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                         f"Content-Type: text/markdown\r\n\r\n{text}\r\n")
        parts.append(f"--{boundary}--\r\n")
        request = urllib.request.Request(self.base + path, data="".join(parts).encode(),
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._open(request, timeout)

    def csrf(self) -> str:
        found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', self.last)
        return found.group(1) if found else ""

    def sign_in(self, email: str, password: str) -> Answer:
        self.get("/login")
        answer = self.post("/login", {"email": email, "password": password})
        assert answer.status == 200 and "Sign out" in answer.text, answer.text[:500]
        return answer

    def _open(self, request: urllib.request.Request, timeout: float) -> Answer:
        try:
            with self.opener.open(request, timeout=timeout) as response:
                answer = Answer(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read().decode(), dict(error.headers))
        if answer.headers.get("Content-Type", "").startswith("text/html"):
            self.last = answer.text
        return answer


@dataclass
class Server:
    """gunicorn serving the app from this checkout, on loopback."""

    database_url: str
    index_dir: Path
    workers: int = 2
    env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 60) -> Server:
        env = {**os.environ, "PORT": str(self.port), "CASEBOOK_DATABASE_URL": self.database_url,
               "CASEBOOK_INDEX_DIR": str(self.index_dir), "CASEBOOK_SECRET_KEY": "live-test-secret",
               "CASEBOOK_WORKERS": str(self.workers), "CASEBOOK_THREADS": "4", **self.env}
        self.log_path = self.index_dir.parent / f"server-{self.port}.log"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:create_app()"], cwd=ROOT, env=env,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if not wait_until(lambda: self.alive() and self.answers(), wait, 0.1):
            self.stop()
            raise RuntimeError(f"the server did not start:\n{self.log()[-3000:]}")
        return self

    def alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        return True

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return response.status == 200
        except urllib.error.HTTPError:
            return False

    def health(self) -> dict:
        return Client(self.url).get("/healthz").json()

    def client(self) -> Client:
        return Client(self.url)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


class Relay:
    """A TCP relay from a loopback port to a real server, which a test can cut and restore:
    the server stays up; the app simply cannot reach it for a while, as after a network fault."""

    def __init__(self, target_port: int, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and break every open one."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            listener.close()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
