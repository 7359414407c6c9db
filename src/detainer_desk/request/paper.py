"""Reading the ICE paper: the text layer of an I-247A (with its I-200 / I-205) PDF, in memory.

What is read is only what the request form needs: the form number and its issue date, the
requesting office, the probable-cause boxes (c), (d) and Box 2, the warrant attached and the
actions asked. The paper also carries the person's name, date of birth and citizenship; none of
that is ever looked for, returned or shown — the text is searched for the phrases of the
published form (fact sheet § 2.2) and then dropped. Boxes (a) "final order of removal" and (b)
"pendency of ongoing removal proceedings" reveal immigration status and are not read either.

The bytes are never written anywhere; the caller keeps only their SHA-256 (proof of receipt).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from detainer_desk.errors import InputError
from detainer_desk.request.forbidden import is_forbidden_field
from detainer_desk.vocabulary import Action, Form, ProbableCauseBasis, RequestKind, WarrantKind

MAX_PAGES = 20
CHECKED = set("xX✓✔☒☑■✗✘")
_BOX = re.compile(
    r"^\s*(?:\d+\.\s*)?(?:\[(?P<a>[^\]]?)\]|\((?P<b>[^)]?)\)|(?P<c>[☐☒☑■□]))\s*(?P<text>.*)$"
)
# A line that starts something new (a numbered box, a heading): never a box's continuation.
_NEW_PART = re.compile(r"^\s*(?:\d+\.|[A-Z][A-Z ,.:'()-]{15,}$)")

# The published form's phrases (lower case) → what a checked box means.
BOXES: tuple[tuple[str, ProbableCauseBasis | Action], ...] = (
    ("biometric confirmation", ProbableCauseBasis.biometric_and_database_check),
    ("statements made by the alien", ProbableCauseBasis.statements_or_other_evidence),
    ("other reliable evidence", ProbableCauseBasis.statements_or_other_evidence),
    ("transferred the alien to your custody", ProbableCauseBasis.transferred_for_proceeding),
    ("notify dhs", Action.notify_release),
    ("maintain custody", Action.hold_beyond_release),
)
FORMS = (  # most specific first: "I-247A" before "I-247"
    (Form.I_247A, RequestKind.detainer),
    (Form.I_247D, RequestKind.detainer),
    (Form.I_247N, RequestKind.notification_request),
    (Form.I_247X, RequestKind.transfer_request),
    (Form.I_247, RequestKind.detainer),
)
WARRANTS = (
    ("warrant for arrest of alien", WarrantKind.administrative_I200, "I-200"),
    ("warrant of removal/deportation", WarrantKind.administrative_I205, "I-205"),
)


@dataclass
class PaperReading:
    """What the paper says, for the clerk to confirm; never anything about the person."""

    sha256: str
    has_text: bool
    form: Form | None = None
    kind: RequestKind | None = None
    issued_on: date | None = None
    office: str | None = None
    warrant_kind: WarrantKind | None = None
    probable_cause_bases: list[ProbableCauseBasis] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def found(self) -> list[str]:
        """The names of the form fields this reading fills in."""
        names = ["form", "kind", "issued_on", "office", "warrant_kind"]
        out = [n for n in names if getattr(self, n) is not None]
        return out + [n for n in ("probable_cause_bases", "actions") if getattr(self, n)]


def read_paper(data: bytes) -> PaperReading:
    """Read a PDF held in memory. A PDF without a text layer (a scan) reads as has_text=False."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.startswith(b"%PDF-"):
        raise InputError("the file is not a PDF (it does not start with %PDF-)", field="pdf")
    text = _text_layer(data)
    reading = PaperReading(sha256=digest, has_text=bool(text.strip()))
    if reading.has_text:
        _read_form(text, reading)
        _read_boxes(text, reading)
        _read_warrant(text, reading)
    return reading


def _text_layer(data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError("the PDF is encrypted; ask for an unprotected copy", field="pdf")
        if len(reader.pages) > MAX_PAGES:
            raise InputError(f"the PDF has more than {MAX_PAGES} pages", field="pdf")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read this PDF ({type(exc).__name__})", field="pdf") from None


def _read_form(text: str, reading: PaperReading) -> None:
    for form, kind in FORMS:
        if re.search(rf"\b{re.escape(form.value)}(?![A-Z0-9])", text):
            reading.form, reading.kind = form, kind
            break
    issued = re.search(r"\bDate:\s*(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if issued:
        month, day, year = (int(g) for g in issued.groups())
        try:
            reading.issued_on = date(year, month, day)
        except ValueError:
            reading.issued_on = None
    office = re.search(r"^\s*FROM:\s*(.+?)\s*$", text, re.MULTILINE)
    if office:
        reading.office = _safe_text(office.group(1))


def _safe_text(value: str) -> str | None:
    """A value from the paper, only if it names nothing about the person's status or origin."""
    words = re.findall(r"[A-Za-z]+", value)
    if any(is_forbidden_field(w) for w in words) or "birth" in value.lower():
        return None
    return value[:200] or None


def _box_lines(text: str) -> list[tuple[bool, str]]:
    """(checked, text) per checkbox, its wrapped continuation lines joined."""
    boxes: list[tuple[bool, str]] = []
    for line in text.splitlines():
        match = _BOX.match(line)
        if match:
            mark = match.group("a") or match.group("b") or match.group("c") or ""
            boxes.append((mark in CHECKED, match.group("text")))
        elif _NEW_PART.match(line):
            boxes.append((False, ""))  # closes the previous box
        elif boxes and line.strip():
            checked, so_far = boxes[-1]
            boxes[-1] = (checked, f"{so_far} {line.strip()}")
    return boxes


def _read_boxes(text: str, reading: PaperReading) -> None:
    for checked, words in _box_lines(text):
        if not checked:
            continue
        lowered = " ".join(words.lower().split())
        for phrase, meaning in BOXES:
            if phrase not in lowered:
                continue
            if isinstance(meaning, ProbableCauseBasis):
                if meaning not in reading.probable_cause_bases:
                    reading.probable_cause_bases.append(meaning)
            elif meaning not in reading.actions:
                reading.actions.append(meaning)


def _read_warrant(text: str, reading: PaperReading) -> None:
    lowered = text.lower()
    for title, kind, form in WARRANTS:
        if title in lowered and form.lower() in lowered:
            reading.warrant_kind = kind  # an I-200 / I-205: an immigration officer signs it
            return
    if reading.form is not None:
        reading.warrant_kind = WarrantKind.none  # the form alone: no warrant attached
