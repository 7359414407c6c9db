"""The web application: JSON API (/api, OpenAPI at /docs), staff UI (/ui), and the worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from detainer_desk.desk.outbox import Transport
from detainer_desk.desk.service import Desk
from detainer_desk.desk.worker import DEFAULT_SCHEDULE, Schedule, run_worker
from detainer_desk.web import api, errors, lawservice, public, safecity, ui


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

    app = FastAPI(
        title="Detainer Desk",
        description="Receive, decide and track federal immigration requests under local law.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.desk = desk
    errors.install(app)
    lawservice.install(app)  # before api.router: /api/packs, /api/decide, /api/classify
    app.include_router(api.router)
    app.include_router(ui.router)
    app.include_router(public.router)
    app.include_router(safecity.router)

    published = desk.settings.home / "published"
    published.mkdir(parents=True, exist_ok=True)
    app.mount("/public", StaticFiles(directory=published, html=True), name="public")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)

    return app
