"""Billing: the key's credit balance and its (local, always active) plan."""

from __future__ import annotations

from typing import Any

from .. import keys
from ..state import Caller


def billing_status(caller: Caller) -> dict[str, Any]:
    """``GET /v1/billing/status``: credits left; a local server has one plan that never ends."""
    return {"credits": keys.balance(caller.db, caller.key.id),
            "subscription": {"status": "active", "plan": "local", "currentPeriodEnd": None}}
