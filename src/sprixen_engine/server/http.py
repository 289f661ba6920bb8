"""HTTP plumbing shared by the routers: the error shape, authentication, pagination, rate-limit headers."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InvalidRequest, SprixenError
from ..requests import validation_error
from .keys import authenticate
from .ratelimit import RateLimiter, bucket_of
from .state import AppState, Caller

log = logging.getLogger("sprixen.server")

_REASONS = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def error_body(status: int, message: str) -> dict[str, Any]:
    """The reference's error shape."""
    return {"statusCode": status, "message": message, "error": _REASONS.get(status, "Error")}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "request: invalid"
    err = dict(errors[0])
    loc = [str(p) for p in err.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path"):
        loc = loc[1:]
    inner = (err.get("ctx") or {}).get("error")
    if not loc and isinstance(inner, InvalidRequest) and inner.field:
        return inner.message
    if not loc:
        kind = err.get("type", "")
        return ("body: must be a JSON object" if kind in ("model_attributes_type", "dict_type", "missing")
                else f"body: {err.get('msg', 'invalid')}")
    err["loc"] = tuple(loc)
    return validation_error(_NoModel, err, api_names=True).message


class _NoModel:  # validation_error looks up aliases on the model; FastAPI's locs already use API names
    model_fields: dict[str, Any] = {}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SprixenError)
    async def _sprixen(request: Request, exc: SprixenError) -> JSONResponse:
        headers = {"Retry-After": str(getattr(exc, "retry_after", 5))} if exc.status_code == 429 else None
        return error_response(exc.status_code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"Cannot {request.method} {request.url.path}"
        return error_response(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"Internal server error: {type(exc).__name__}")


def install_rate_limit(app: FastAPI, limiter: RateLimiter) -> None:
    """Count every ``/v1`` request; put ``X-RateLimit-*`` on every response; 429 + ``Retry-After`` over it."""

    @app.middleware("http")
    async def _limit(request: Request, call_next):
        if not request.url.path.startswith("/v1"):
            return await call_next(request)
        bucket = bucket_of(request.headers.get("authorization"), request.client.host if request.client else None)
        allowed, remaining, reset = limiter.hit(bucket)
        headers = {"X-RateLimit-Limit": str(limiter.limit), "X-RateLimit-Remaining": str(remaining),
                   "X-RateLimit-Reset": str(reset)}
        if not allowed:
            wait = max(1, reset - int(time.time()))
            return error_response(429, f"Rate limit exceeded: {limiter.limit} requests per minute. "
                                       f"Retry after {wait} s.", {**headers, "Retry-After": str(wait)})
        response = await call_next(request)
        for k, v in headers.items():
            response.headers.setdefault(k, v)
        return response


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer spx_live_…")


def get_state(request: Request) -> AppState:
    return request.app.state.sprixen


def base_url_of(request: Request, state: AppState) -> str:
    return state.settings.public_url or str(request.base_url).rstrip("/")


def get_caller(request: Request,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Caller:
    state = get_state(request)
    header = f"{credentials.scheme} {credentials.credentials}" if credentials else request.headers.get("authorization")
    key = authenticate(state.db, header)
    return Caller(state, key, base_url_of(request, state))


CallerDep = Annotated[Caller, Depends(get_caller)]


class Page:
    """``?page=1&limit=20`` (page ≥ 1, limit 1–100)."""

    def __init__(self, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> None:
        self.page = page
        self.limit = limit


PageDep = Annotated[Page, Depends(Page)]


def paginated(data: list[dict[str, Any]], total: int, page: Page) -> dict[str, Any]:
    return {"data": data, "total": total, "page": page.page, "limit": page.limit}


def require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise InvalidRequest(f"{field}: {message}", field=field)
