"""The law as a web service: the packs, their rules and citations, decisions, classifications.

No desk data and no login: every route reads only the policy library, never the desk's database,
so a city attorney, a reporter or ICE can ask the packs a question over HTTP (OpenFisca's web API
is the model). Rate-limited per client address (moving window, `limits`), bodies capped in size;
every error is the API's JSON envelope.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from detainer_desk.classify import classify
from detainer_desk.edge import parse_day
from detainer_desk.errors import DetainerDeskError, InputError
from detainer_desk.law.decide import decide
from detainer_desk.law.pack import Pack, PolicyLibrary
from detainer_desk.request.document import RequestDocument, parse_request

DEFAULT_RATE = "120/minute"
MAX_BODY_BYTES = 64 * 1024
TAG = "law"
ENVELOPE = {
    "description": "Error envelope: {ok: false, status, error, field}",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "ok": {"type": "boolean", "const": False},
                    "status": {"type": "integer"},
                    "error": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
                "required": ["ok", "status", "error"],
            }
        }
    },
}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: ENVELOPE,
    413: ENVELOPE,
    422: ENVELOPE,
    429: ENVELOPE,
}


class TooManyRequestsError(DetainerDeskError):
    """The client asked more often than the law service allows; wait and retry."""

    exit_code = 1

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BodyTooLargeError(InputError):
    pass


class RateLimit:
    """A moving-window limit per client address (in memory, per process)."""

    def __init__(self, rate: str = DEFAULT_RATE) -> None:
        self.item: RateLimitItem = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, client: str) -> None:
        if self.limiter.hit(self.item, "law", client):
            return
        reset, _ = self.limiter.get_window_stats(self.item, "law", client)
        wait = max(1, math.ceil(reset - time.time()))
        raise TooManyRequestsError(
            f"too many requests: at most {self.item} per client; retry in {wait} s", wait
        )


def _limited(request: Request) -> None:
    limit: RateLimit = request.app.state.law_rate_limit
    limit.check(request.client.host if request.client else "unknown")


def _library(request: Request) -> PolicyLibrary:
    library: PolicyLibrary = request.app.state.desk.library
    return library


router = APIRouter(prefix="/api", tags=[TAG], dependencies=[Depends(_limited)], responses=ERRORS)
Library = Annotated[PolicyLibrary, Depends(_library)]
OnQuery = Annotated[
    str | None, Query(description="A date, YYYY-MM-DD (default: today)", max_length=10)
]


def _pack_summary(pack: Pack) -> dict[str, Any]:
    manifest = pack.manifest
    return {
        "name": manifest.name,
        "title": manifest.title,
        "builds_on": manifest.builds_on,
        "summary": manifest.summary.strip(),
        "versions": [
            {
                "from": v.from_.isoformat(),
                "to": v.to.isoformat() if v.to else None,
                "label": v.label,
            }
            for v in manifest.versions
        ],
        "rules": len(pack.provisions),
        "verified_through": manifest.verified_through.isoformat(),
        "latest_source": manifest.latest_source.isoformat() if manifest.latest_source else None,
        "duties": [d.model_dump(mode="json") for d in manifest.duties],
        "not_researched": [n.model_dump() for n in manifest.not_researched],
    }


@router.get("/packs", summary="Every policy pack and its versions")
def list_packs(library: Library) -> list[dict[str, Any]]:
    """The policy packs shipped (one per jurisdiction), with their dated versions."""
    return [_pack_summary(library.pack(name)) for name in library.names()]


@router.get("/packs/{name}", summary="One pack: versions, rules and citations")
def show_pack(library: Library, name: str, on: OnQuery = None) -> dict[str, Any]:
    """A pack's versions, every rule (with its citation, source key and confidence) and the
    citations it rests on. With `on`, each rule says whether it is in force that day."""
    if len(name) > 64:
        raise InputError("pack name too long (at most 64 characters)", field="name")
    pack = library.pack(name)  # a pack, or any place it decides for (a state, a county)
    name = pack.name
    day = parse_day(on, "on") if on else None
    rules = []
    for p in sorted(pack.provisions, key=lambda p: p.id):
        rule: dict[str, Any] = {
            **p.summary(),
            "repealed": p.repealed.isoformat() if p.repealed else None,
            "actions": sorted(a.value for a in p.actions),
            "effect": p.effect,
            "outcome": p.outcome.value if p.outcome else None,
            "mandatory": p.mandatory,
            "condition": p.is_condition,
            "reads": sorted(p.reads),
        }
        if day is not None:
            rule["in_force"] = p.in_force(day)
        rules.append(rule)
    citations: dict[str, set[str]] = {}
    for p in pack.provisions:
        citations.setdefault(p.source, set()).add(p.cite)
    return {
        **_pack_summary(pack),
        "defaults": {
            a.value: {"effect": d.effect.value, "reason": d.reason}
            for a, d in pack.manifest.defaults.items()
        },
        "hold_windows": {k: w.model_dump() for k, w in pack.manifest.hold_windows.items()},
        "chain": [p.name for p in library.chain(name)],
        "rules": rules,
        "citations": [
            {"source": source, "cites": sorted(cites)}
            for source, cites in sorted(citations.items())
        ],
    }


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLargeError(
            f"the body is over {MAX_BODY_BYTES} bytes; send one request document"
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLargeError(
                f"the body is over {MAX_BODY_BYTES} bytes; send one request document"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/decide",
    summary="Decide a request document under the law in force",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RequestDocument"}}
            },
        }
    },
    responses={200: {"description": "The decision document (detainer-desk/decision/v1)"}},
)
async def decide_request(
    request: Request,
    library: Library,
    on: OnQuery = None,
    all_actions: Annotated[
        bool, Query(alias="all", description="Decide every action, not only those asked")
    ] = False,
) -> dict[str, Any]:
    """The same decision document as `detainer-desk decide FILE --json`: a request document in
    (docs/request-format.md), the decision document out (docs/decision-format.md). A field the
    desk must never hold (immigration status, citizenship, birthplace) is refused with 422,
    naming the field. Nothing is stored."""
    document = parse_request(await _body(request))
    day = parse_day(on, "on") if on else None
    return decide(document, on=day, all_actions=all_actions, library=library).to_dict()


@router.get("/classify", summary='Packs under every definition of "sanctuary"')
def classify_packs(
    library: Library,
    on: OnQuery = None,
    pack: Annotated[
        str | None, Query(description="One pack (default: every pack)", max_length=64)
    ] = None,
) -> list[dict[str, Any]]:
    """Each pack under every definition on a date (format detainer-desk/classification/v1)."""
    day = parse_day(on, "on")
    names = [pack] if pack else library.names()
    return [classify(name, day, library).to_dict() for name in names]


def _openapi(app: FastAPI, previous: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    def generate() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = previous()
        document = RequestDocument.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(document.pop("$defs", {}))
        components["RequestDocument"] = document
        app.openapi_schema = schema
        return schema

    return generate


def install(app: FastAPI, rate: str = DEFAULT_RATE) -> None:
    """Add the law service to the app: routes, rate limit, 429 envelope, OpenAPI schemas."""
    from detainer_desk.web.errors import envelope

    app.state.law_rate_limit = RateLimit(rate)

    @app.exception_handler(TooManyRequestsError)
    async def _too_many(_: Request, exc: TooManyRequestsError) -> Any:
        response = envelope(429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(BodyTooLargeError)
    async def _too_large(_: Request, exc: BodyTooLargeError) -> Any:
        return envelope(413, exc.message, "body")

    app.include_router(router)
    app.openapi = _openapi(app, app.openapi)  # type: ignore[method-assign]
