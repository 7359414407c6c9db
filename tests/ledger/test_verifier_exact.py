"""The standalone verifier, exactly: every refusal word for word, the RFC 9162 verification
algorithms against the reference written out in test_tree_proofs (every proof up to size 24
verifies; every truncated, lengthened or altered one is refused), and `main`'s exit codes.

Checkpoints are signed here with a fixed Ed25519 key (deterministic signatures) over roots the
reference computes; nothing comes from the desk but the functions under test.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from detainer_desk.ledger.keys import verifier_key
from detainer_desk.ledger.log import sign_note
from detainer_desk.ledger.standalone import (
    SignedCheckpoint,
    VerificationError,
    build_tree,
    canonical,
    canonical_as_named,
    canonical_legacy,
    check_against,
    check_consistency,
    check_consistency_proof,
    check_entries,
    key_hash,
    main,
    parse_vkey,
    read_checkpoint,
    root_from_inclusion,
    verify,
)

from .test_tree_proofs import mth, path, subproof

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VKEY = verifier_key(KEY)
ORIGIN = "kat.example/ledger"
LEAVES = [hashlib.sha256(b"\x00" + f"entry {i}".encode()).digest() for i in range(24)]


def _fails(message: str) -> pytest.RaisesContext[VerificationError]:
    import re

    return pytest.raises(VerificationError, match="^" + re.escape(message) + "$")


# -- canonical forms and keys ---------------------------------------------------------------


def test_each_entry_is_checked_in_the_form_it_names() -> None:
    entry: dict[str, object] = {"seq": 1, "data": {"x": 1.0}}
    assert canonical_as_named(entry) == '{"data":{"x":1.0},"seq":1}'  # legacy: no canon
    named = {**entry, "canon": "rfc8785"}
    assert canonical_as_named(named) == '{"canon":"rfc8785","data":{"x":1},"seq":1}'
    assert canonical_as_named({**entry, "canon": "jcs-2099"}) is None
    assert canonical_as_named({**named, "data": {"x": float("inf")}}) is None  # no JSON for it
    assert canonical_as_named({**named, "data": {"x": 2**60}}) is None  # past 2^53: refused


def test_check_entries_names_the_first_bad_entry() -> None:
    good = [canonical({"seq": n, "canon": "rfc8785"}) for n in (1, 2, 3)]
    assert check_entries(good) == good
    assert check_entries(good[1:], start=2) == good[1:]
    with _fails("entry 2: not JSON"):
        check_entries([good[0], "{not json"])
    with _fails(
        "entry 2: sequence number is 3, expected 2 (an entry was deleted, inserted or moved)"
    ):
        check_entries([good[0], good[2]])
    with _fails(
        "entry 1: sequence number is None, expected 1 (an entry was deleted, inserted or moved)"
    ):
        check_entries(["[1]"])
    with _fails("entry 1: not in the canonical form it names (edited by hand?)"):
        check_entries(['{"canon":"rfc8785", "seq":1}'])
    assert check_entries([canonical_legacy({"seq": 1})]) == ['{"seq":1}']


def test_a_verifier_key_is_parsed_and_every_malformed_one_refused() -> None:
    raw = KEY.public_key().public_bytes_raw()
    by_hand = hashlib.sha256(b"detainer-desk-ledger\n\x01" + raw).digest()[:4]
    assert key_hash("detainer-desk-ledger", raw) == by_hand
    name, hashed, public = parse_vkey(f"  {VKEY}\n")
    assert (name, hashed, public.public_bytes_raw()) == ("detainer-desk-ledger", by_hand, raw)
    for broken in ("no plus signs", "a+b", "n+00+A"):
        with _fails("public key is not a verifier key (name+hash+key)"):
            parse_vkey(broken)
    good_b64 = base64.b64encode(b"\x01" + raw).decode()
    wrong_alg = base64.b64encode(b"\x04" + raw).decode()
    too_short = base64.b64encode(b"\x01" + raw[:31]).decode()
    too_long = base64.b64encode(b"\x01" + raw + b"x").decode()
    for broken in (
        f"detainer-desk-ledger+{by_hand.hex()}+{wrong_alg}",
        f"detainer-desk-ledger+{by_hand.hex()}+{too_short}",
        f"detainer-desk-ledger+{by_hand.hex()}+{too_long}",
        f"detainer-desk-ledger+00000000+{good_b64}",
        f"other-name+{by_hand.hex()}+{good_b64}",
    ):
        with _fails("public key is malformed or its hash does not match"):
            parse_vkey(broken)


# -- signed checkpoints ---------------------------------------------------------------------


def _note(size: int, leaves: list[bytes] = LEAVES, origin: str = ORIGIN) -> str:
    return sign_note(origin, size, mth(leaves[:size]), KEY)


def test_a_checkpoint_is_read_from_its_signed_note() -> None:
    note = _note(5)
    assert read_checkpoint(note, VKEY) == SignedCheckpoint(ORIGIN, 5, mth(LEAVES[:5]), note)
    # Other signature lines (another signer, another key of the same name, not a signature
    # line at all) are passed over; ours is found after them.
    body, _, ours = note.partition("\n\n")
    other = base64.b64encode(b"\x00\x00\x00\x00" + bytes(64)).decode()
    noise = (
        f"not a signature line\n— someone-else {other}\n— detainer-desk-ledger {other}\n"
        "— detainer-desk-ledger junk sig"  # another signer's name that starts like ours
    )
    noisy = f"{body}\n\n{noise}\n{ours}"
    assert read_checkpoint(noisy, VKEY).size == 5
    assert read_checkpoint(note + "\n", VKEY).size == 5  # a blank line after the signatures
    spaced = sign_note("county jail/ledger", 2, mth(LEAVES[:2]), KEY)  # lines, not words
    assert read_checkpoint(spaced, VKEY).origin == "county jail/ledger"


def test_every_bad_checkpoint_is_refused_word_for_word() -> None:
    note = _note(5)
    with _fails("checkpoint has no signature block"):
        read_checkpoint(note.replace("\n\n", "\n"), VKEY)
    with _fails("checkpoint signature is invalid"):
        read_checkpoint(note.replace("\n5\n", "\n6\n"), VKEY)
    with _fails("checkpoint carries no signature by 'detainer-desk-ledger'"):
        read_checkpoint(note.replace("— detainer-desk-ledger", "— someone"), VKEY)
    with _fails("checkpoint carries no signature by 'detainer-desk-ledger'"):
        read_checkpoint(note.replace("— ", "- "), VKEY)
    text = f"{ORIGIN}\nfive\n{base64.b64encode(mth(LEAVES[:5])).decode()}\n"
    signature = key_hash("detainer-desk-ledger", KEY.public_key().public_bytes_raw())
    signature += KEY.sign(text.encode())
    unparsable = f"{text}\n— detainer-desk-ledger {base64.b64encode(signature).decode()}\n"
    with _fails("checkpoint body is not origin/size/root"):
        read_checkpoint(unparsable, VKEY)
    short = f"{ORIGIN}\n5\n"
    signature = key_hash("detainer-desk-ledger", KEY.public_key().public_bytes_raw())
    signature += KEY.sign(short.encode())
    two_lines = f"{short}\n— detainer-desk-ledger {base64.b64encode(signature).decode()}\n"
    with _fails("checkpoint body is not origin/size/root"):
        read_checkpoint(two_lines, VKEY)


def test_the_log_against_its_checkpoints() -> None:
    bodies = [json.dumps({"seq": n}) for n in range(1, 6)]
    merkle = build_tree(bodies)
    leaves = [hashlib.sha256(b"\x00" + b.encode()).digest() for b in bodies]
    for size in range(6):
        check_against(merkle, read_checkpoint(_note(size, leaves), VKEY), "it")
    with _fails("the thing covers 7 entries but the log has only 5: entries 6..7 were removed"):
        check_against(merkle, read_checkpoint(_note(7, leaves * 2), VKEY), "the thing")
    with _fails(
        "entries 1..4 do not match the root signed in it: at least one of them was changed, "
        "removed or replaced"
    ):
        check_against(merkle, read_checkpoint(_note(4, LEAVES), VKEY), "it")
    # A size-0 checkpoint says nothing about the entries, whatever root it carries.
    check_against(merkle, SignedCheckpoint(ORIGIN, 0, b"x", ""), "it")
    older, newer = (read_checkpoint(_note(n, leaves), VKEY) for n in (2, 5))
    check_consistency(merkle, older, newer)
    check_consistency(merkle, newer, newer)
    for old, new in ((SignedCheckpoint(ORIGIN, 0, mth([]), ""), newer), (newer, older)):
        with _fails("the older checkpoint is not older than the newer one"):
            check_consistency(merkle, old, new)
    forged = SignedCheckpoint(ORIGIN, 2, mth(LEAVES[:2]), "")
    with pytest.raises(VerificationError) as caught:
        check_consistency(merkle, forged, newer)
    assert str(caught.value).startswith("newer checkpoint is not consistent with the older: ")


# -- RFC 9162 verification ------------------------------------------------------------------


def test_every_inclusion_proof_verifies_and_every_altered_one_does_not() -> None:
    for n in range(1, 25):
        root = mth(LEAVES[:n])
        for m in range(n):
            proof = path(m, LEAVES[:n])
            assert root_from_inclusion(m, n, LEAVES[m], proof) == root, (m, n)
            if proof:
                with _fails("inclusion proof: shorter than the tree needs"):
                    root_from_inclusion(m, n, LEAVES[m], proof[:-1])
                changed = [*proof[:-1], bytes(32)]
                assert root_from_inclusion(m, n, LEAVES[m], changed) != root
            with _fails("inclusion proof: longer than the tree allows"):
                root_from_inclusion(m, n, LEAVES[m], [*proof, bytes(32)])
            if n > 1:  # the same leaf and proof at another index: refused or elsewhere
                try:
                    elsewhere = root_from_inclusion((m + 1) % n, n, LEAVES[m], proof)
                except VerificationError:
                    elsewhere = b""
                assert elsewhere != root
        with _fails("inclusion proof: the entry is past the tree's size"):
            root_from_inclusion(n, n, LEAVES[0], [])


def test_every_consistency_proof_verifies_and_every_altered_one_does_not() -> None:
    for n in range(1, 25):
        new = mth(LEAVES[:n])
        check_consistency_proof(n, n, new, new, [])
        for m in range(1, n):
            old = mth(LEAVES[:m])
            proof = subproof(m, LEAVES[:n], True)
            check_consistency_proof(m, n, old, new, proof)
            with _fails("consistency proof does not hold: the log was rewritten"):
                check_consistency_proof(m, n, old, new, proof[:-1]) if len(proof) > 1 else (
                    check_consistency_proof(m, n, old, new, [bytes(32)])
                )
            with _fails("consistency proof: longer than the trees allow"):
                check_consistency_proof(m, n, old, new, [*proof, bytes(32)])
            for i in range(len(proof)):
                altered = [*proof[:i], bytes(32), *proof[i + 1 :]]
                with _fails("consistency proof does not hold: the log was rewritten"):
                    check_consistency_proof(m, n, old, new, altered)
            with _fails("consistency proof does not hold: the log was rewritten"):
                check_consistency_proof(m, n, bytes(32), new, proof)
            with _fails("consistency proof does not hold: the log was rewritten"):
                check_consistency_proof(m, n, old, bytes(32), proof)
    with _fails("consistency proof: equal sizes, different roots"):
        check_consistency_proof(3, 3, LEAVES[0], LEAVES[1], [])
    with _fails("consistency proof: equal sizes, different roots"):
        check_consistency_proof(3, 3, LEAVES[0], LEAVES[0], [LEAVES[0]])
    for m, n, proof in ((0, 3, [LEAVES[0]]), (4, 3, [LEAVES[0]]), (2, 3, [])):
        with _fails("consistency proof: sizes out of order or empty proof"):
            check_consistency_proof(m, n, LEAVES[0], LEAVES[1], proof)


# -- the whole verifier and its command line ------------------------------------------------


def _export(tmp: Path, n: int) -> tuple[list[str], Path, Path]:
    bodies = [canonical({"seq": s, "canon": "rfc8785", "data": {}}) for s in range(1, n + 1)]
    export = tmp / "ledger.jsonl"
    export.write_text("".join(b + "\n" for b in bodies) + "\n", encoding="utf-8")
    key = tmp / "ledger.pub"
    key.write_text(VKEY + "\n")
    return bodies, export, key


def test_verify_and_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bodies, export, key = _export(tmp_path, 5)
    leaves = [hashlib.sha256(b"\x00" + b.encode()).digest() for b in bodies]
    newest, older = _note(5, leaves), _note(3, leaves)
    assert verify(bodies, newest, VKEY) == read_checkpoint(newest, VKEY)
    assert verify(bodies, newest, VKEY, older).size == 5
    with _fails(
        "entries 1..3 do not match the root signed in the older checkpoint: at least one of "
        "them was changed, removed or replaced"
    ):
        verify(bodies, newest, VKEY, _note(3))
    (tmp_path / "new.txt").write_text(newest)
    (tmp_path / "old.txt").write_text(older)
    (tmp_path / "bad.txt").write_text(_note(3))
    args = [str(export), str(tmp_path / "new.txt"), str(key)]
    assert main(args) == 0
    assert capsys.readouterr().out == (f"verified: 5 entries; checkpoint {ORIGIN} size 5 matches\n")
    assert main([*args, str(tmp_path / "old.txt")]) == 0
    capsys.readouterr()
    assert main([*args, str(tmp_path / "bad.txt")]) == 1
    assert capsys.readouterr().out == (
        "NOT VERIFIED: entries 1..3 do not match the root signed in the older checkpoint: at "
        "least one of them was changed, removed or replaced\n"
    )
    assert main([str(export), str(tmp_path / "bad.txt"), str(key)]) == 1
    assert capsys.readouterr().out == (
        "NOT VERIFIED: entries 1..3 do not match the root signed in the checkpoint: at least one "
        "of them was changed, removed or replaced\n"
    )
    for wrong in (args[:2], [*args, "x", "y"]):
        assert main(wrong) == 2
        assert "python standalone.py ledger.jsonl checkpoint.txt" in capsys.readouterr().out
