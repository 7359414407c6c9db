"""The web application: JSON API (/api, OpenAPI at /docs), staff UI (/ui), and the worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from detainer_desk import __version__
from detainer_desk.desk.outbox import Transport
from detainer_desk.desk.service import Desk
from detainer_desk.desk.worker import DEFAULT_SCHEDULE, Schedule, run_worker
from detainer_desk.web import api, errors, intake, public, queue, ui
from detainer_desk.web.access_log import AccessLog, AccessLogMiddleware


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
    app.add_middleware(AccessLogMiddleware, log=AccessLog(desk.settings.access_log_path))
    app.state.desk = desk
    errors.install(app)
    app.include_router(api.router)
    app.include_router(queue.router)  # /ui/ — before ui.router, which has the other /ui pages
    app.include_router(intake.router)  # the clerk's forms (before ui.router: /requests/new)
    app.include_router(ui.router)
    app.include_router(public.router)

    published = desk.settings.home / "published"
    published.mkdir(parents=True, exist_ok=True)
    app.mount("/public", StaticFiles(directory=published, html=True), name="public")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)

    return app
