"""A witness: a separate process, with its own key and storage, that vouches for the desk's log.

It fetches the desk's newest signed checkpoint over HTTP, checks the desk's signature, and —
against the last checkpoint it cosigned — that the log only grew: a smaller size is a rollback,
the same size with another root or a failed RFC 9162 consistency proof is a fork. Then it
cosigns (C2SP tlog-cosignature v1: Ed25519 over "cosignature/v1\\ntime T\\n" + the checkpoint
body, key ID SHA-256(name ‖ "\\n" ‖ 0x04 ‖ key)[:4]) and keeps the cosigned checkpoint, which it
serves at `GET /cosigned`. A refusal is reported (stderr, `refusals.jsonl`) and nothing is signed.

A desk rebuilt and re-signed with its own key verifies by itself; it cannot get a witness's
cosignature, and `ledger verify --witness URL` compares the desk with what the witness saw.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from detainer_desk.ledger.standalone import (
    SignedCheckpoint,
    VerificationError,
    check_consistency_proof,
    read_checkpoint,
)

ALG_COSIGNATURE = b"\x04"
HEADER = "cosignature/v1"


class WitnessRefusal(Exception):
    """The witness will not cosign: a rollback, a fork, or a checkpoint it cannot trust."""


def cosigner_key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_COSIGNATURE + public).digest()[:4]


def cosigner_vkey(name: str, key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes_raw()
    encoded = base64.b64encode(ALG_COSIGNATURE + raw).decode()
    return f"{name}+{cosigner_key_id(name, raw).hex()}+{encoded}"


def _body(note: str) -> str:
    body, sep, _ = note.partition("\n\n")
    if not sep:
        raise VerificationError("checkpoint has no signature block")
    return body + "\n"


def cosign(note: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """The note with this witness's cosignature line added."""
    message = f"{HEADER}\ntime {timestamp}\n{_body(note)}".encode()
    raw = key.public_key().public_bytes_raw()
    blob = cosigner_key_id(name, raw) + struct.pack(">Q", timestamp) + key.sign(message)
    return note.rstrip("\n") + f"\n— {name} {base64.b64encode(blob).decode()}\n"


def check_cosignature(note: str, vkey: str) -> int:
    """Verify the cosignature of the witness `vkey` on `note`; returns its timestamp."""
    try:
        name, hex_id, encoded = vkey.strip().split("+", 2)
        raw = base64.b64decode(encoded)
    except ValueError:
        raise VerificationError("witness key is not a verifier key (name+hash+key)") from None
    if (
        raw[:1] != ALG_COSIGNATURE
        or len(raw) != 33
        or cosigner_key_id(name, raw[1:]).hex() != hex_id
    ):
        raise VerificationError("witness key is malformed or not a cosignature/v1 key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    for line in note.partition("\n\n")[2].splitlines():
        signer, _, blob64 = line.removeprefix("— ").rpartition(" ")
        if not line.startswith("— ") or signer != name:
            continue
        blob = base64.b64decode(blob64)
        if blob[:4].hex() != hex_id or len(blob) != 4 + 8 + 64:
            continue
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        message = f"{HEADER}\ntime {timestamp}\n{_body(note)}".encode()
        try:
            public.verify(blob[12:], message)
        except InvalidSignature:
            raise VerificationError(f"the cosignature by {name!r} is invalid") from None
        return int(timestamp)
    raise VerificationError(f"the checkpoint carries no cosignature by witness {name!r}")


@dataclass(frozen=True)
class WitnessHome:
    """The witness's own folder (mode 0700): its key, its public key, what it last cosigned."""

    path: Path
    name: str = "witness.detainer-desk.example"

    @property
    def key_path(self) -> Path:
        return self.path / "witness.key"

    @property
    def vkey_path(self) -> Path:
        return self.path / "witness.pub"

    @property
    def state_path(self) -> Path:
        return self.path / "cosigned.txt"

    @property
    def refusals_path(self) -> Path:
        return self.path / "refusals.jsonl"

    def key(self) -> Ed25519PrivateKey:
        """The witness key; created (0600) on first use."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.key_path.exists():
            loaded = serialization.load_pem_private_key(self.key_path.read_bytes(), None)
            assert isinstance(loaded, Ed25519PrivateKey)
            return loaded
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        self.vkey_path.write_text(cosigner_vkey(self.name, key) + "\n")
        return key

    def last(self) -> str | None:
        return self.state_path.read_text() if self.state_path.exists() else None


ProofFetcher = Callable[[int, int], list[bytes]]


def observe(
    home: WitnessHome, note: str, desk_vkey: str, proof: ProofFetcher, now: datetime
) -> str:
    """Check a desk checkpoint against the last one cosigned; cosign and keep it, or refuse."""
    key = home.key()
    try:
        new = read_checkpoint(note, desk_vkey)
    except VerificationError as exc:
        raise _refuse(home, now, "bad-signature", str(exc)) from None
    previous_note = home.last()
    if previous_note is not None:
        old = read_checkpoint(previous_note, desk_vkey)
        _check_grows(home, now, old, new, proof)
    cosigned = cosign(note, home.name, key, int(now.timestamp()))
    home.state_path.write_text(cosigned)
    return cosigned


def _check_grows(
    home: WitnessHome,
    now: datetime,
    old: SignedCheckpoint,
    new: SignedCheckpoint,
    proof: ProofFetcher,
) -> None:
    if new.origin != old.origin:
        raise _refuse(home, now, "other-log", f"origin {new.origin!r} is not {old.origin!r}")
    if new.size < old.size:
        raise _refuse(
            home,
            now,
            "rollback",
            f"the desk's checkpoint has {new.size} entries, fewer than the {old.size} this "
            "witness cosigned: the log was rolled back",
        )
    if new.size == old.size:
        if new.root != old.root:
            raise _refuse(home, now, "fork", f"same size {new.size}, different root: a fork")
        return
    if old.size == 0:
        return
    try:
        check_consistency_proof(old.size, new.size, old.root, new.root, proof(old.size, new.size))
    except (VerificationError, ValueError, OSError) as exc:
        raise _refuse(
            home,
            now,
            "fork",
            f"the desk's tree of {new.size} does not extend the {old.size} this witness "
            f"cosigned ({exc}): a fork or a rebuilt log",
        ) from None


def _refuse(home: WitnessHome, now: datetime, kind: str, message: str) -> WitnessRefusal:
    """Append the refusal to refusals.jsonl (the folder exists: `observe` made the key first)."""
    line = json.dumps({"at": now.isoformat(), "kind": kind, "message": message})  # ASCII
    with home.refusals_path.open("ab") as handle:
        handle.write(line.encode() + b"\n")
    return WitnessRefusal(f"{kind}: {message}")


# -- talking to the desk and serving what was cosigned -----------------------------------------


def fetch_text(url: str, timeout: float = 10.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body: bytes = response.read(1_000_000)
    return body.decode()  # UTF-8


def desk_fetchers(desk_url: str) -> tuple[Callable[[], str], ProofFetcher]:
    base = desk_url.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise ValueError(f"{desk_url!r} is not an http(s) URL")

    def checkpoint() -> str:
        return fetch_text(f"{base}/api/ledger/checkpoint")

    def proof(old: int, new: int) -> list[bytes]:
        data = json.loads(fetch_text(f"{base}/api/ledger/consistency?old={old}&new={new}"))
        return [bytes.fromhex(h) for h in data["proof"]]

    return checkpoint, proof


def serve_cosigned(home: WitnessHome, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """`GET /cosigned`: the newest checkpoint this witness cosigned (text/plain)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            note = home.last() if self.path in ("/cosigned", "/cosigned/") else None
            payload = (note or "not found\n").encode()
            self.send_response(200 if note else 404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return ThreadingHTTPServer((host, port), Handler)
