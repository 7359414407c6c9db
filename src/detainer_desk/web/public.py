"""Public pages (no login): every pack under every "sanctuary" definition on a date, and the
witnesses' cosignatures of the ledger."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from detainer_desk.classify import classify, load_definitions
from detainer_desk.edge import parse_day
from detainer_desk.web.limits import ERROR_RESPONSES

router = APIRouter(include_in_schema=True)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


@router.get("/classify", response_class=HTMLResponse)
def compare_packs(request: Request, on: str | None = None) -> HTMLResponse:
    """Every policy pack under every definition of "sanctuary", with the deciding provisions."""
    day = parse_day(on, "on")
    library = request.app.state.desk.library
    results = [classify(name, day, library) for name in library.names()]
    return templates.TemplateResponse(
        request,
        "classify.html",
        {"day": day, "results": results, "definitions": load_definitions()},
    )


@router.get("/api/classify/{pack}")
def classify_pack(request: Request, pack: str, on: str | None = None) -> JSONResponse:
    """One pack under every definition (format detainer-desk/classification/v1)."""
    result = classify(pack, parse_day(on, "on"), request.app.state.desk.library)
    return JSONResponse(result.to_dict())


@router.get("/ledger/cosignatures", response_class=HTMLResponse)
def cosignatures_page(request: Request) -> HTMLResponse:
    """The witnesses' cosignatures of the ledger's checkpoints, newest first."""
    rows = request.app.state.desk.cosignatures()
    return templates.TemplateResponse(request, "cosignatures.html", {"rows": rows})


@router.get("/api/ledger/cosignatures")
def cosignatures_json(request: Request) -> JSONResponse:
    """The kept cosignatures (tree size, root, witness, key ID, time, verified, the note)."""
    return JSONResponse(request.app.state.desk.cosignatures())


@router.get(
    "/ledger/cosignatures/{cosignature_id}.txt",
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
    },
)
def cosigned_note(request: Request, cosignature_id: int) -> Response:
    """One cosigned checkpoint note, exactly as the witness served it."""
    return PlainTextResponse(request.app.state.desk.cosigned_note(cosignature_id))
