"""Each node follows the change log on its own: no request is needed for a change to arrive.

A light thread in every worker process: four times a second it applies the change-log rows its
index has not seen (one cheap query when there are none), builds a new index when the index
is missing or was found damaged, merges the small segments single changes leave behind, and
reads the longest posting lists of segments new to the process before searches need them.
Workers of one node share an index folder; its writer lock lets one apply while the others
skip their turn. A node that was down catches up on its first step.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask

from . import indexing

log = logging.getLogger(__name__)
# After an automatic rebuild, wait this long before the next one (a bug, a disk that stays full).
REBUILD_PAUSE_SECONDS = 60.0


@dataclass
class FollowerStatus:
    running: bool = False
    last_step_at: float | None = None  # time.time() of the last completed step
    error: str | None = None  # the last step's failure, None when it went well
    rebuilds: int = 0
    warm: bool = False  # the longest posting lists of the current index are read (see SearchEngine.warm)


class Follower:
    def __init__(self, app: Flask, interval: float):
        self.app, self.interval = app, interval
        self.status = FollowerStatus()
        self._places_named = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warmer: threading.Thread | None = None
        self._rebuilder: threading.Thread | None = None
        self._last_rebuild = 0.0
        self._last_logged: tuple[str, float] = ("", 0.0)

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="casebook-follower", daemon=True)
        self._thread.start()
        self.status.running = True

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.status.running = False

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.interval)

    def step(self) -> None:
        """One round: heal a missing or damaged index, apply pending changes, tidy segments."""
        with self.app.app_context():
            try:
                self._step()
            except Exception as error:  # the database may be down for a while: try again next round
                self._failed(error)
            else:
                self.status.error = None
            finally:
                self.status.last_step_at = time.time()

    def _step(self) -> None:
        engine = indexing.engine()
        if engine.needs_rebuild():
            if not engine.can_serve():  # missing or damaged: nothing to follow until it is built
                if self._may_rebuild():
                    log.warning("the search index in %s is missing or damaged: building a new one from the database",
                                engine.store.root)
                    self._rebuild()
                return
            # Of an older format: it still answers, so it keeps taking changes while the new one is built.
            if not (self._rebuilder is not None and self._rebuilder.is_alive()) and self._may_rebuild():
                log.warning("the search index in %s is of an older format: building a new one in the background",
                            engine.store.root)
                self._rebuilder = threading.Thread(target=self._rebuild_in_context, name="casebook-rebuild", daemon=True)
                self._rebuilder.start()
        # No waiting for another worker's lock: it is applying the same rows, or will next round.
        try:
            indexing.apply_pending(wait=0)
        except Exception:
            engine.verify()  # damaged files: the next round rebuilds; a full disk: the next round retries
            raise
        engine.maintain()
        if not self._places_named:
            # The library's cities, once per worker: `/cities/Wenen` and `city=Wien` then know Vienna.
            indexing.name_places()
            self._places_named = True
        self._warm_in_background(engine)

    def _may_rebuild(self) -> bool:
        # After an automatic rebuild, a pause: a fault that recurs at once must not keep the machine rebuilding.
        if time.monotonic() - self._last_rebuild < REBUILD_PAUSE_SECONDS and self.status.rebuilds:
            return False
        self._last_rebuild = time.monotonic()
        self.status.rebuilds += 1
        return True

    def _rebuild(self) -> None:
        count = indexing.rebuild(only_if_needed=True)  # another worker of the node may have built it already
        log.info("the search index is ready (%d cases)", count)

    def _rebuild_in_context(self) -> None:
        with self.app.app_context():
            try:
                self._rebuild()
            except Exception as error:  # the old index goes on answering; the next round tries again
                self._failed(error)

    def _warm_in_background(self, engine) -> None:
        """Warming takes seconds on a big index: on a thread of its own, so that following the
        change log never waits for it."""
        if self._warmer is not None and self._warmer.is_alive():
            return
        if not engine.wants_warming():
            return
        self._warmer = threading.Thread(target=self._warm, args=(engine,), name="casebook-warmer", daemon=True)
        self._warmer.start()

    def _warm(self, engine) -> None:
        try:
            engine.warm(on_work=lambda: setattr(self.status, "warm", False))  # only while there is reading to do
            self.status.warm = True
        except Exception as error:  # a rebuild swapped the folder away meanwhile: the next round warms again
            log.info("warming the search index stopped: %s: %s", type(error).__name__, str(error)[:200])

    def _failed(self, error: Exception) -> None:
        message = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300] if str(error).strip() else ''}"
        self.status.error = message
        last, at = self._last_logged
        if message != last or time.monotonic() - at > 60:  # once a minute, not twice a second
            log.error("following the change log failed: %s", message)
            self._last_logged = (message, time.monotonic())


def follower(app: Flask) -> Follower:
    return app.extensions["casebook.follower"]
