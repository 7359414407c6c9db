"""The request-body limit (413) and the JSON body every POST route reads.

The body is read, bounded and parsed here, not by FastAPI's model binding, so the desk decides
the order — authorize first, then validate — and forbidden fields can be refused by category.
The OpenAPI schema still declares each route's real request model (`body_of`) and every error
response (`ERROR_RESPONSES`).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detainer_desk.desk.documents import (
    AcknowledgementDocument,
    AnnotationDocument,
    ConditionTicksDocument,
    InterviewDocument,
    InterviewOutcomeDocument,
    JailEventDocument,
    OfficeDocument,
    OverrideDocument,
    RequestAmendment,
)
from detainer_desk.errors import InputError
from detainer_desk.request.document import RequestDocument


class ErrorEnvelope(BaseModel):
    """Every error the API returns."""

    ok: Literal[False]
    status: int
    error: str
    field: str | None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope, "description": description}
    for code, description in (
        (400, "Malformed JSON"),
        (401, "No, unknown or revoked token"),
        (403, "The role may not do this"),
        (404, "No such record"),
        (409, "The record's state does not allow it"),
        (413, "Body larger than the desk accepts"),
        (422, "Invalid field (named in `field`)"),
    )
}

BODY_MODELS: tuple[type[BaseModel], ...] = (
    RequestDocument,
    JailEventDocument,
    RequestAmendment,
    OverrideDocument,
    AnnotationDocument,
    InterviewDocument,
    InterviewOutcomeDocument,
    ConditionTicksDocument,
    AcknowledgementDocument,
    OfficeDocument,
)
REF = "#/components/schemas/{model}"


def body_schemas() -> dict[str, Any]:
    """Component schemas of every request model (and the models they use)."""
    _, top = models_json_schema([(m, "validation") for m in BODY_MODELS], ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas


def body_of(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the route's JSON request body."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }
    }


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object (FastAPI dependency); 400 when it is not JSON."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error"}]
        ) from None
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", field="body")
    return data


class BodyLimit:
    """ASGI middleware: a body larger than `limit` bytes gets the 413 envelope, unread."""

    def __init__(self, app: ASGIApp, limit: int, paths: dict[str, int] | None = None) -> None:
        """`paths`: a larger limit for these exact paths (the UI's PDF upload)."""
        self.app, self.default, self.paths = app, limit, dict(paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope.get("path", ""), self.default)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, limit: int) -> None:
        payload = json.dumps(
            {
                "ok": False,
                "status": 413,
                "error": f"the body is larger than {limit} bytes; send less",
                "field": "body",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
