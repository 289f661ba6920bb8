"""``/v1/webhooks``: the key's deliveries, its signing secret, and a test event.

Webhooks themselves are requested per job (``webhookUrl`` on generation, animation, tile and music
requests); these routes let a receiver get the secret that verifies the ``webhook-signature`` header
and let a user see what was sent, when, and how the endpoint answered.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy import func, select

from ..db import WebhookDelivery, iso, utcnow
from ..http import CallerDep, PageDep, paginated
from ..ids import new_id
from ..schemas import WebhookUrl, _Body
from ..webhooks import delivery_json

router = APIRouter(prefix="/v1/webhooks", tags=["Webhooks"])


class WebhookTestBody(_Body):
    """``POST /v1/webhooks/test``: where to send a ``webhook.test`` event."""

    url: WebhookUrl


@router.get("/deliveries", summary="List webhook deliveries (paginated, newest first)")
def list_deliveries(caller: CallerDep, page: PageDep, job_id: Annotated[str | None, Query(alias="jobId")] = None,
                    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query(alias="status")] = None
                    ) -> dict[str, Any]:
    """Each delivery: event, url, jobId, status (pending | delivered | failed), attempts, the last HTTP
    status code or error, and the payload that was signed and sent. Filter with ``jobId`` / ``status``."""
    cond = [WebhookDelivery.key_id == caller.key.id]
    if job_id is not None:
        cond.append(WebhookDelivery.job_id == job_id)
    if state is not None:
        cond.append(WebhookDelivery.status == state)
    with caller.db.session() as s:
        total = s.scalar(select(func.count()).select_from(WebhookDelivery).where(*cond)) or 0
        rows = s.scalars(select(WebhookDelivery).where(*cond)
                         .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
                         .offset((page.page - 1) * page.limit).limit(page.limit))
        return paginated([delivery_json(d) for d in rows], int(total), page)


@router.get("/secret", summary="The secret that signs this key's webhooks")
def get_secret(caller: CallerDep) -> dict[str, str]:
    """``{"secret": "whsec_…"}``: verify ``webhook-signature`` per Standard Webhooks
    (``v1,`` + base64 HMAC-SHA256 of ``"{webhook-id}.{webhook-timestamp}.{body}"`` keyed with the
    base64-decoded part after ``whsec_``)."""
    return {"secret": caller.key.webhook_secret}


@router.post("/test", status_code=status.HTTP_201_CREATED, summary="Send a webhook.test event")
def send_test(caller: CallerDep, body: WebhookTestBody) -> dict[str, Any]:
    """Queue a signed ``webhook.test`` event to ``url`` (sent within a moment, retried like any other);
    returns the delivery — poll ``GET /v1/webhooks/deliveries`` for its outcome."""
    now = utcnow()
    payload = {"event": "webhook.test", "timestamp": iso(now),
               "data": {"message": "Test event from the local Sprixen server.", "keyName": caller.key.name}}
    delivery = WebhookDelivery(id=new_id("msg", 24), key_id=caller.key.id, job_id="", event="webhook.test",
                               url=body.url, payload=payload, status="pending", next_attempt_at=now, created_at=now)
    with caller.db.session() as s, s.begin():
        s.add(delivery)
    return delivery_json(delivery)
