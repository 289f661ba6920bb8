"""``/v1/billing``: credit balance and plan."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..http import CallerDep
from ..services.billing import billing_status

router = APIRouter(prefix="/v1/billing", tags=["Billing"])


@router.get("/status", summary="Credit balance, subscription status and plan")
def get_billing_status(caller: CallerDep) -> dict[str, Any]:
    """``{credits, subscription: {status, plan, currentPeriodEnd}}``; the local server's plan is
    ``local``, always active, with no period end. Add credits with ``sprixen credits add``."""
    return billing_status(caller)
