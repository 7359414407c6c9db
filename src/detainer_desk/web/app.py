"""The web application: JSON API (/api, OpenAPI at /docs), staff UI (/ui), and the worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from detainer_desk import __version__
from detainer_desk.desk.outbox import Transport
from detainer_desk.desk.service import Desk
from detainer_desk.desk.worker import DEFAULT_SCHEDULE, Schedule, run_worker
from detainer_desk.web import (
    api,
    conditions,
    errors,
    intake,
    lawservice,
    practice,
    public,
    queue,
    safecity,
    security,
    ui,
)
from detainer_desk.web.access_log import AccessLog, AccessLogMiddleware
from detainer_desk.web.law import router as law_router
from detainer_desk.web.limits import BodyLimit, body_schemas
from detainer_desk.web.security import LoginThrottle


def create_app(
    desk: Desk,
    *,
    worker: bool = True,
    transport: Transport | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if worker:
            thread = threading.Thread(
                target=run_worker,
                args=(desk, stop, transport, schedule),
                daemon=True,
                name="detainer-desk-worker",
            )
            thread.start()
        yield
        stop.set()
        if thread is not None:
            thread.join(timeout=10)

    # Swagger UI and ReDoc from the assets fastapi-offline ships: /docs works with no network.
    app: FastAPI = FastAPIOffline(
        title="Detainer Desk",
        description="Receive, decide and track federal immigration requests under local law.",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.desk = desk
    # The PDF upload reads and bounds its own body (max_upload_bytes; its own 413 page): the
    # body limit lets it through a little above that, every other path at max_body_bytes.
    upload = {intake.PDF_UPLOAD_PATH: desk.settings.max_upload_bytes + intake.UPLOAD_SLACK * 2}
    app.add_middleware(BodyLimit, limit=desk.settings.max_body_bytes, paths=upload)
    security.install(app)
    # outermost: every answer is logged, a 413 from the body limit included
    app.add_middleware(AccessLogMiddleware, log=AccessLog(desk.settings.access_log_path))
    app.state.login_throttle = LoginThrottle(
        desk.clock,
        desk.settings.login_attempts,
        timedelta(minutes=desk.settings.login_window_minutes),
    )
    _declare_body_models(app)
    errors.install(app)
    lawservice.install(app)  # before api.router: /api/packs, /api/decide, /api/classify
    app.include_router(api.router)
    app.include_router(queue.router)  # /ui/ — before ui.router, which has the other /ui pages
    app.include_router(intake.router)  # the clerk's forms (before ui.router: /requests/new)
    app.include_router(conditions.router)  # the request page's conditions checklist
    app.include_router(ui.router)
    app.include_router(public.router)
    app.include_router(law_router)
    app.include_router(safecity.router)
    app.include_router(practice.router)

    published = desk.settings.home / "published"
    published.mkdir(parents=True, exist_ok=True)
    app.mount("/public", StaticFiles(directory=published, html=True), name="public")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)

    return app


def _declare_body_models(app: FastAPI) -> None:
    """OpenAPI: add the request-body models the API routes name (see web.limits.body_of)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(body_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
