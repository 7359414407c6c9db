"""Reading the ICE paper: an I-247A PDF pre-fills the form; the person is never read out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from detainer_desk.desk.service import Desk
from detainer_desk.errors import InputError
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.request.paper import read_paper
from detainer_desk.vocabulary import Action, Form, ProbableCauseBasis, RequestKind, WarrantKind
from detainer_desk.web.app import create_app
from tests.ice_paper import PERSON_SECRETS, i247a_pdf, scanned_pdf

from .test_intake_forms import FORM, csrf, login, post


def test_an_i247a_with_its_i200_is_read() -> None:
    data = i247a_pdf(boxes=(True, True, True, True), notify=True, hold=False)
    reading = read_paper(data)
    assert reading.sha256 == hashlib.sha256(data).hexdigest() and reading.has_text
    assert (reading.form, reading.kind) == (Form.I_247A, RequestKind.detainer)
    assert reading.issued_on == date(2017, 9, 26)
    assert reading.office == "ICE ERO Denver Field Office"
    assert reading.warrant_kind is WarrantKind.administrative_I200
    # Boxes (a) and (b) reveal status: never read, even when checked.
    assert reading.probable_cause_bases == [
        ProbableCauseBasis.biometric_and_database_check,
        ProbableCauseBasis.statements_or_other_evidence,
    ]
    assert reading.actions == [Action.notify_release]


def test_box_2_the_hold_and_no_warrant() -> None:
    reading = read_paper(i247a_pdf(boxes=(False,) * 4, box2=True, notify=False, with_i200=False))
    assert reading.probable_cause_bases == [ProbableCauseBasis.transferred_for_proceeding]
    assert reading.actions == [Action.hold_beyond_release]
    assert reading.warrant_kind is WarrantKind.none


def test_nothing_about_the_person_is_returned() -> None:
    reading = read_paper(i247a_pdf())
    shown = repr(reading)
    assert not any(secret in shown for secret in PERSON_SECRETS)
    assert "citizenship" not in shown.lower()


def test_a_scan_has_no_text_layer() -> None:
    reading = read_paper(scanned_pdf())
    assert not reading.has_text and reading.found() == [] and len(reading.sha256) == 64


@pytest.mark.parametrize("data", [b"GIF89a not a pdf", b"%PDF-1.7 truncated garbage"])
def test_not_a_pdf_is_refused_naming_the_field(data: bytes) -> None:
    with pytest.raises(InputError) as bad:
        read_paper(data)
    assert bad.value.field == "pdf"


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk, worker=False), follow_redirects=False) as c:
        login(c, desk, "clerk")
        yield c


def send_pdf(client: TestClient, data: bytes, token: str | None, **headers: str) -> Any:
    """The upload form as the page sends it: the file and (unless None) the CSRF token."""
    fields = {} if token is None else {"csrf": token}
    return client.post(
        "/ui/requests/new/pdf",
        data=fields,
        files={"pdf": ("detainer.pdf", data, "application/pdf")},
        headers=headers,
    )


def upload(client: TestClient, desk: Desk, data: bytes) -> str:
    answer = send_pdf(client, data, csrf(client, desk))
    assert answer.status_code == 200, answer.text
    return answer.text


def test_upload_prefills_the_form_and_only_the_hash_is_kept(client: TestClient, desk: Desk) -> None:
    data = i247a_pdf(boxes=(False, False, True, True))
    digest = hashlib.sha256(data).hexdigest()
    page = upload(client, desk, data)
    assert f'name="csrf" value="{csrf(client, desk)}"' in page  # the filled form can be sent
    assert 'value="biometric_and_database_check" checked' in page
    assert 'value="statements_or_other_evidence" checked' in page
    assert '<option value="administrative_I200" selected>' in page
    assert 'value="2017-09-26"' in page and f'value="{digest}"' in page
    assert not any(secret in page for secret in PERSON_SECRETS)
    saved = post(client, desk, "/ui/requests/new", dict(FORM, pdf_sha256=digest))
    assert saved.status_code == 303
    with desk.sessions() as session:
        entries = list(session.execute(select(LedgerEntry)).scalars())
    receipts = [e for e in entries if '"paper_received"' in e.body]
    assert len(receipts) == 1 and digest in str(receipts[0].body)
    everything = " ".join(str(e.body) for e in entries)
    assert not any(secret in everything for secret in PERSON_SECRETS)
    home_files = [p for p in desk.settings.home.rglob("*") if p.suffix == ".pdf"]
    assert home_files == []  # the paper itself was never written


def test_a_scan_shows_the_empty_form(client: TestClient, desk: Desk) -> None:
    page = upload(client, desk, scanned_pdf())
    assert (
        "has no text layer" in page and 'value="biometric_and_database_check" checked' not in page
    )


def test_an_oversized_upload_is_refused(client: TestClient, desk: Desk) -> None:
    big = b"%PDF-1.4\n" + b"0" * (desk.settings.max_upload_bytes + 20_000)
    answer = send_pdf(client, big, csrf(client, desk))
    assert answer.status_code == 413 and "larger than" in answer.text


def test_the_upload_needs_the_csrf_token_and_this_origin(client: TestClient, desk: Desk) -> None:
    """The upload route parses its own body: the token comes from the parts it parsed."""
    data = i247a_pdf()
    assert send_pdf(client, data, None).status_code == 403
    assert send_pdf(client, data, "forged").status_code == 403
    elsewhere = send_pdf(client, data, csrf(client, desk), origin="https://evil.example")
    assert elsewhere.status_code == 403
    assert "ICE ERO Denver Field Office" not in elsewhere.text  # the paper was not read
    not_multipart = client.post(
        "/ui/requests/new/pdf", content=data, headers={"content-type": "application/pdf"}
    )
    assert not_multipart.status_code == 403  # no token to be found: refused before reading
