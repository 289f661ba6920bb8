"""Webhook delivery, signed per Standard Webhooks (https://www.standardwebhooks.com).

Each message is a persisted :class:`~.db.WebhookDelivery`. The sender POSTs the JSON payload with

- ``webhook-id``: the message id (the same on every retry, so receivers can de-duplicate);
- ``webhook-timestamp``: Unix seconds of this attempt;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`` where the
  secret is the key's ``whsec_…`` value, base64-decoded after the prefix.

A 2xx answer within ``webhook_timeout_s`` (10 s) is success; otherwise it retries after each of
``webhook_retry_delays_s`` (5 s, 25 s, 125 s) and then gives up (``failed``). Only http(s) URLs are
accepted when a job is queued.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time

from sqlalchemy import select, update

from .db import Database, WebhookDelivery, iso, utcnow
from .settings import ServerSettings
from .worker import worker_id

log = logging.getLogger("sprixen.webhooks")


def secret_bytes(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret."""
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance_s: int = 300) -> bool:
    """Check a received webhook the way a receiver should (signature and timestamp freshness)."""
    h = {k.lower(): v for k, v in headers.items()}
    try:
        ts = int(h["webhook-timestamp"])
        expected = sign(secret, h["webhook-id"], ts, body).split(",", 1)[1]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance_s:
        return False
    given = [s.split(",", 1)[1] for s in h.get("webhook-signature", "").split() if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, g) for g in given)


def delivery_json(d: WebhookDelivery) -> dict:
    return {"id": d.id, "event": d.event, "url": d.url, "jobId": d.job_id or None, "status": d.status,
            "attempts": d.attempts, "lastStatusCode": d.last_status_code, "lastError": d.last_error,
            "nextAttemptAt": iso(d.next_attempt_at) if d.status == "pending" else None,
            "createdAt": iso(d.created_at), "deliveredAt": iso(d.delivered_at), "payload": d.payload}


class WebhookSender:
    """A thread that sends due deliveries; several processes may run one (claims are atomic)."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.settings = settings
        self.stop = threading.Event()
        self.me = worker_id()
        self.thread = threading.Thread(target=self.run, name="sprixen-webhooks", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        self.thread.join(timeout)

    def run(self) -> None:
        import httpx

        with httpx.Client(timeout=self.settings.webhook_timeout_s, follow_redirects=False) as client:
            while not self.stop.is_set():
                try:
                    sent = self.send_due(client)
                except Exception:  # pragma: no cover - keep the sender alive through DB hiccups
                    log.exception("webhook sender")
                    sent = 0
                if not sent:
                    self.stop.wait(self.settings.poll_interval_s)

    def _claim(self) -> WebhookDelivery | None:
        now = utcnow()
        sub = (select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                                WebhookDelivery.next_attempt_at <= now)
               .order_by(WebhookDelivery.next_attempt_at).limit(1))
        if self.db.is_postgres:
            sub = sub.with_for_update(skip_locked=True)
        lease = now + dt.timedelta(seconds=self.settings.webhook_timeout_s + 30)
        stmt = (update(WebhookDelivery).where(WebhookDelivery.id == sub.scalar_subquery(),
                                              WebhookDelivery.status == "pending")
                .values(next_attempt_at=lease, locked_by=self.me).returning(WebhookDelivery.id))
        with self.db.session() as s, s.begin():
            got = s.scalar(stmt)
        if got is None:
            return None
        with self.db.session() as s:
            return s.get(WebhookDelivery, got)

    def send_due(self, client) -> int:
        """Send every due delivery once; returns how many were attempted."""
        from .db import ApiKey

        n = 0
        while not self.stop.is_set():
            d = self._claim()
            if d is None:
                return n
            n += 1
            with self.db.session() as s:
                secret = s.scalar(select(ApiKey.webhook_secret).where(ApiKey.id == d.key_id)) or ""
            body = json.dumps(d.payload, separators=(",", ":")).encode()
            ts = int(time.time())
            headers = {"content-type": "application/json", "user-agent": "sprixen-engine-webhooks",
                       "webhook-id": d.id, "webhook-timestamp": str(ts),
                       "webhook-signature": sign(secret, d.id, ts, body)}
            code, error = None, None
            try:
                r = client.post(d.url, content=body, headers=headers)
                code = r.status_code
                ok = 200 <= code < 300
                if not ok:
                    error = f"HTTP {code}"
            except Exception as exc:
                ok, error = False, f"{type(exc).__name__}: {exc}"[:500]
            self._record(d, ok, code, error)
        return n

    def _record(self, d: WebhookDelivery, ok: bool, code: int | None, error: str | None) -> None:
        attempts = d.attempts + 1
        delays = self.settings.webhook_retry_delays_s
        values: dict = {"attempts": attempts, "last_status_code": code, "last_error": error, "locked_by": None}
        if ok:
            values.update(status="delivered", delivered_at=utcnow())
        elif attempts <= len(delays):
            values.update(next_attempt_at=utcnow() + dt.timedelta(seconds=delays[attempts - 1]))
        else:
            values.update(status="failed")
        with self.db.session() as s, s.begin():
            s.execute(update(WebhookDelivery).where(WebhookDelivery.id == d.id).values(**values))
