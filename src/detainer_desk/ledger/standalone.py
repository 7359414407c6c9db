"""Verify a Detainer Desk ledger with nothing but its export, a checkpoint and the public key.

This file is self-contained on purpose (standard library + `cryptography` + `pymerkle` +
`rfc8785`): an
outsider — a county clerk, an oversight board, a newsroom — can copy it and run

    python standalone.py ledger.jsonl checkpoint.txt ledger-signing.pub [older-checkpoint.txt]

It checks, in order: every line is canonical JSON in the form the entry names (`"canon":
"rfc8785"`: RFC 8785, the JSON Canonicalization Scheme; no `canon`: the legacy form, sorted keys
and no spaces) with the next sequence number; the signed
checkpoint's signature (Ed25519, C2SP signed-note format); that the RFC 9162 Merkle root of the
first `size` entries equals the checkpoint's root; and, given an older checkpoint, a consistency
proof from the older tree to the newer one. Exit 0 when all hold, 1 naming the first failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pymerkle import InmemoryTree, verify_consistency

ALG_ED25519 = b"\x01"
CANON = "rfc8785"  # the canonical form new entries name in their "canon" member


class VerificationError(Exception):
    """The ledger does not verify; the message names the first bad entry or checkpoint."""


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    size: int
    root: bytes
    text: str


def canonical(value: object) -> str:
    """RFC 8785 (JSON Canonicalization Scheme): the form every new entry names."""
    return rfc8785.dumps(value).decode()  # type: ignore[arg-type]  # UTF-8


def canonical_legacy(value: object) -> str:
    """The form of entries written before `canon` existed (sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_as_named(entry: dict[str, object]) -> str | None:
    """The entry in the canonical form it names; None for a form this verifier does not know."""
    form = entry.get("canon")
    if form == CANON:
        try:
            return canonical(entry)
        except (rfc8785.CanonicalizationError, ValueError):
            return None
    return canonical_legacy(entry) if form is None else None


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public_key).digest()[:4]


def parse_vkey(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """A C2SP verifier key `name+hexhash+base64(0x01‖key)` -> (name, key hash, key)."""
    try:
        name, hex_hash, encoded = vkey.strip().split("+", 2)  # a name has no "+"
        raw = base64.b64decode(encoded)
    except ValueError:
        raise VerificationError("public key is not a verifier key (name+hash+key)") from None
    if (
        raw[:1] != ALG_ED25519
        or len(raw) != 33
        or bytes.fromhex(hex_hash) != key_hash(name, raw[1:])
    ):
        raise VerificationError("public key is malformed or its hash does not match")
    return name, bytes.fromhex(hex_hash), Ed25519PublicKey.from_public_bytes(raw[1:])


def read_checkpoint(note: str, vkey: str) -> SignedCheckpoint:
    """Check a signed note's signature and parse its body (origin, size, root)."""
    name, expected_hash, key = parse_vkey(vkey)
    body, sep, signatures = note.partition("\n\n")
    if not sep:
        raise VerificationError("checkpoint has no signature block")
    text = body + "\n"
    for line in signatures.splitlines():
        if not line.startswith("— "):
            continue
        signer, _, encoded = line[2:].rpartition(" ")
        if signer != name:  # C2SP: other signers' lines are ignored, however they look
            continue
        blob = base64.b64decode(encoded)
        if blob[:4] != expected_hash:
            continue
        try:
            key.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise VerificationError("checkpoint signature is invalid") from None
        lines = body.split("\n")
        try:
            return SignedCheckpoint(lines[0], int(lines[1]), base64.b64decode(lines[2]), note)
        except (IndexError, ValueError):
            raise VerificationError("checkpoint body is not origin/size/root") from None
    raise VerificationError(f"checkpoint carries no signature by {name!r}")


def check_entries(bodies: Iterable[str], start: int = 1) -> list[str]:
    """Each body must be canonical JSON carrying the next sequence number (1, 2, 3 …)."""
    checked = []
    for expected, body in enumerate(bodies, start=start):
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            raise VerificationError(f"entry {expected}: not JSON") from None
        seq = parsed.get("seq") if isinstance(parsed, dict) else None
        if seq != expected:
            raise VerificationError(
                f"entry {expected}: sequence number is {seq}, expected {expected} "
                "(an entry was deleted, inserted or moved)"
            )
        if canonical_as_named(parsed) != body:
            raise VerificationError(
                f"entry {expected}: not in the canonical form it names (edited by hand?)"
            )
        checked.append(body)
    return checked


def build_tree(bodies: Sequence[str]) -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")
    for body in bodies:
        tree.append_entry(body.encode())  # UTF-8
    return tree


def check_against(tree: InmemoryTree, checkpoint: SignedCheckpoint, label: str) -> None:
    size = tree.get_size()
    if checkpoint.size > size:
        raise VerificationError(
            f"{label} covers {checkpoint.size} entries but the log has only {size}: entries "
            f"{size + 1}..{checkpoint.size} were removed"
        )
    if checkpoint.size and tree.get_root(checkpoint.size) != checkpoint.root:
        raise VerificationError(
            f"entries 1..{checkpoint.size} do not match the root signed in {label}: "
            "at least one of them was changed, removed or replaced"
        )


def check_consistency(tree: InmemoryTree, older: SignedCheckpoint, newer: SignedCheckpoint) -> None:
    if older.size == 0 or older.size > newer.size:
        raise VerificationError("the older checkpoint is not older than the newer one")
    proof = tree.prove_consistency(older.size, newer.size)
    try:
        verify_consistency(older.root, newer.root, proof)
    except Exception as exc:  # pymerkle raises its own InvalidProof
        raise VerificationError(
            f"newer checkpoint is not consistent with the older: {exc}"
        ) from None


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root an inclusion proof of leaf `index` (0-based) leads to."""
    if index >= size:
        raise VerificationError("inclusion proof: the entry is past the tree's size")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion proof: longer than the tree allows")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof: shorter than the tree needs")
    return r


def check_consistency_proof(
    size1: int, size2: int, root1: bytes, root2: bytes, path: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: does `path` prove the tree of size2 extends the tree of size1?"""
    if size1 == size2:
        if path or root1 != root2:
            raise VerificationError("consistency proof: equal sizes, different roots")
        return
    if not 0 < size1 < size2 or not path:
        raise VerificationError("consistency proof: sizes out of order or empty proof")
    proof = list(path)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is the first node
        proof.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerificationError("consistency proof: longer than the trees allow")
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != root1 or sr != root2:
        raise VerificationError("consistency proof does not hold: the log was rewritten")


def verify(
    bodies: Sequence[str], checkpoint: str, vkey: str, older: str | None = None
) -> SignedCheckpoint:
    entries = check_entries(bodies)
    newest = read_checkpoint(checkpoint, vkey)
    tree = build_tree(entries)
    check_against(tree, newest, "the checkpoint")
    if older is not None:
        prior = read_checkpoint(older, vkey)
        check_against(tree, prior, "the older checkpoint")
        check_consistency(tree, prior, newest)
    return newest


def main(argv: Sequence[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__)
        return 2
    export, checkpoint, vkey = (Path(a) for a in argv[:3])
    bodies = [line for line in export.read_bytes().decode().splitlines() if line]  # UTF-8
    older = Path(argv[3]).read_text() if len(argv) == 4 else None
    try:
        signed = verify(bodies, checkpoint.read_text(), vkey.read_text(), older)
    except VerificationError as exc:
        print(f"NOT VERIFIED: {exc}")
        return 1
    print(f"verified: {len(bodies)} entries; checkpoint {signed.origin} size {signed.size} matches")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
