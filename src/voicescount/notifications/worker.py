"""The server's webhook delivery worker: a daemon thread that runs ``deliver_due`` now and then."""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from voicescount.notifications.service import deliver_due

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Delivers due webhook events every ``interval`` seconds until stopped."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self, client: httpx.Client) -> None:
        with Session(self.engine) as session:
            run = deliver_due(session, client)
        if run.delivered or run.failed or run.given_up:
            log.info(
                "webhooks: %d delivered, %d to retry, %d given up",
                run.delivered,
                run.failed,
                run.given_up,
            )

    def _run(self) -> None:
        with httpx.Client(follow_redirects=False) as client:
            while not self._stop.wait(self.interval):
                try:
                    self.run_once(client)
                except Exception:  # keep delivering after a bad round (e.g. database restart)
                    log.exception("webhook delivery round failed")
