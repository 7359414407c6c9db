"""One JSON error envelope for every error the API returns:

    {"ok": false, "status": 422, "error": "missing field 'at': add it", "field": "at"}

Never a traceback; the message names the problem and the fix.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from detainer_desk.errors import (
    AccessError,
    ConflictError,
    DetainerDeskError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)

log = logging.getLogger("detainer_desk.web")


def status_for(exc: DetainerDeskError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, AccessError):
        return 401
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, InputError):
        return 422
    return 500


def envelope(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "status": status, "error": message, "field": field}, status_code=status
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DetainerDeskError)
    async def _ours(_: Request, exc: DetainerDeskError) -> JSONResponse:
        return envelope(status_for(exc), exc.message, getattr(exc, "field", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or "body"
        if first.get("type") == "json_invalid":
            return envelope(400, "the body is not valid JSON; fix the syntax", "body")
        return envelope(422, f"field {field!r}: {first.get('msg')}", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return envelope(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return envelope(500, "internal error; nothing was saved. The log has the details")
