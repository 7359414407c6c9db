"""What the desk's witnesses cosigned: fetched from each witness, checked, kept, shown in public.

A witness (ledger.witness) serves the newest checkpoint it cosigned at `GET /cosigned`. The desk
fetches it (bounded: URL length, response size, timeout) and keeps it only when all of these
hold: the note carries a valid cosignature by the witness's key, the checkpoint under it is
signed with the desk's own key, and its root is the root of this desk's ledger at that size.
Kept notes live in the append-only `cosignatures` table, sealed in the ledger, so `ledger verify`
checks them again (see `check_stored`).
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.errors import InputError
from detainer_desk.ledger import tree
from detainer_desk.ledger.standalone import VerificationError, read_checkpoint
from detainer_desk.ledger.tables import WitnessCosignature
from detainer_desk.ledger.witness import check_cosignature

MAX_URL = 2000
MAX_NOTE_BYTES = 64_000  # a checkpoint with a few dozen cosignature lines is ~5 kB
MAX_VKEY = 400
FETCH_TIMEOUT = 10.0


@dataclass(frozen=True)
class Witness:
    """A witness the desk asks: its base URL (serving /cosigned) and its verifier key."""

    url: str
    vkey: str


def check_witness(url: str, vkey: str) -> Witness:
    """Bounds on a configured witness; InputError names the field and the fix."""
    url = url.strip()
    vkey = vkey.strip()
    parts = urllib.parse.urlsplit(url)
    if (
        not url
        or len(url) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(ord(c) < 33 or ord(c) == 127 for c in url)
    ):
        raise InputError(
            f"witness URL must be an http(s) URL of at most {MAX_URL} characters without "
            "spaces or control characters, e.g. http://witness.example:8100",
            field="witness",
        )
    if not vkey or len(vkey) > MAX_VKEY or vkey.count("+") < 2 or not vkey.isprintable():
        raise InputError(
            "witness key must be the witness's verifier key (its witness.pub: name+id+key)",
            field="witness_key",
        )
    return Witness(url.rstrip("/"), vkey)


def configured(pairs: Sequence[tuple[str, Path]]) -> list[Witness]:
    """The witnesses of the settings, each key read from its file."""
    witnesses = []
    for url, key_file in pairs:
        try:
            vkey = key_file.read_bytes().decode()[: MAX_VKEY + 1]  # UTF-8
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"cannot read the witness key {key_file} ({exc}); give the witness's witness.pub",
                field="witness_key",
            ) from None
        witnesses.append(check_witness(url, vkey))
    return witnesses


def fetch_cosigned(
    witness: Witness, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_NOTE_BYTES
) -> str:
    """The witness's cosigned checkpoint (`GET URL/cosigned`), at most `max_bytes`, UTF-8."""
    request = urllib.request.Request(f"{witness.url}/cosigned", headers={"Accept": "text/plain"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ValueError(f"the witness's answer is larger than {max_bytes} bytes")
    return body.decode()  # UTF-8


def check_note(session: Session, note: str, witness_vkey: str, desk_vkey: str) -> dict[str, Any]:
    """Check a cosigned note against the witness key, the desk key and this ledger.

    Returns the row's fields; raises VerificationError naming what failed.
    """
    try:
        cosigned_at = check_cosignature(note, witness_vkey)
        checkpoint = read_checkpoint(note, desk_vkey)
    except (ValueError, IndexError) as exc:  # malformed base64 or lines from outside
        raise VerificationError(f"the cosigned note is malformed ({exc})") from None
    size = tree.size(session)
    if checkpoint.size > size:
        raise VerificationError(
            f"the witness cosigned a tree of {checkpoint.size} entries; this ledger has {size}"
        )
    if tree.root(session, checkpoint.size) != checkpoint.root:
        raise VerificationError(
            f"the witness cosigned a root for size {checkpoint.size} that is not this "
            "ledger's root at that size: a fork"
        )
    name, key_id, _ = witness_vkey.strip().split("+", 2)
    return {
        "note_sha256": hashlib.sha256(note.encode()).hexdigest(),
        "witness_name": name,
        "key_id": key_id,
        "witness_key": witness_vkey.strip(),
        "tree_size": checkpoint.size,
        "root_hash": checkpoint.root.hex(),
        "cosigned_at": datetime.fromtimestamp(cosigned_at, UTC),
        "note": note,
    }


def keep(
    session: Session, fields: dict[str, Any], url: str, now: datetime
) -> tuple[WitnessCosignature, bool]:
    """Store a checked cosignature once; returns (row, whether it is new)."""
    existing = session.execute(
        select(WitnessCosignature).where(WitnessCosignature.note_sha256 == fields["note_sha256"])
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    row = WitnessCosignature(**fields, url=url, fetched_at=now)
    session.add(row)
    session.flush()
    return row, True


def check_stored(session: Session, desk_vkey: str) -> int:
    """`ledger verify`: every kept cosignature still checks (witness key, desk key, root)."""
    count = 0
    rows = session.execute(select(WitnessCosignature).order_by(WitnessCosignature.id))
    for row in rows.scalars():
        try:
            fields = check_note(session, row.note, row.witness_key, desk_vkey)
        except VerificationError as exc:
            raise VerificationError(f"cosignatures row {row.id}: {exc}") from None
        if (fields["tree_size"], fields["root_hash"]) != (row.tree_size, row.root_hash):
            raise VerificationError(
                f"cosignatures row {row.id}: its size or root differs from its note"
            )
        count += 1
    return count


def newest(session: Session, desk_vkey: str, limit: int) -> list[dict[str, Any]]:
    """The newest kept cosignatures (largest tree first), each as the public page shows it."""
    rows = session.execute(
        select(WitnessCosignature)
        .order_by(WitnessCosignature.tree_size.desc(), WitnessCosignature.id.desc())
        .limit(limit)
    ).scalars()
    return [public_view(row, desk_vkey, session) for row in rows]


def kept_note(session: Session, cosignature_id: int) -> str | None:
    """The cosigned note kept as row `cosignature_id`, exactly as fetched; None if no such row."""
    row = session.get(WitnessCosignature, cosignature_id)
    return None if row is None else row.note


def public_view(row: WitnessCosignature, desk_vkey: str, session: Session) -> dict[str, Any]:
    """One cosignature as the public page shows it; `verified` is checked again now."""
    try:
        check_note(session, row.note, row.witness_key, desk_vkey)
        verified = True
    except VerificationError:
        verified = False
    return {
        "id": row.id,
        "witness": row.witness_name,
        "key_id": row.key_id,
        "witness_key": row.witness_key,
        "url": row.url,
        "tree_size": row.tree_size,
        "root_hash": row.root_hash,
        "root_base64": base64.b64encode(bytes.fromhex(row.root_hash)).decode(),
        "cosigned_at": row.cosigned_at.isoformat(),
        "fetched_at": row.fetched_at.isoformat(),
        "verified": verified,
        "note": row.note,
    }
