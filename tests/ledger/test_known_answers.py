"""Known answers for the ledger's hashes and checkpoints, in both canonical forms.

Five fixed entries; their leaf hashes, chain hashes, RFC 9162 Merkle roots and the signed
checkpoint note (Ed25519 is deterministic, the key is fixed) are written here in hex. Each value
is checked twice: against the desk's code, and against an independent implementation in this
file (hashlib by hand, per RFC 9162 §2.1.1 and the C2SP signed-note spec). A chain hash that
ignored the previous entry, a leaf without the 0x00 prefix, or a different canonical form would
fail these tests.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from detainer_desk.ledger.entries import GENESIS, chain_hash, leaf_hash
from detainer_desk.ledger.keys import verifier_key
from detainer_desk.ledger.log import sign_note
from detainer_desk.ledger.standalone import (
    build_tree,
    canonical,
    canonical_legacy,
    check_entries,
    read_checkpoint,
)
from detainer_desk.ledger.tree import EMPTY_ROOT

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VKEY = "detainer-desk-ledger+256f2e15+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
ORIGIN = "kat.example/ledger"


def _entry(seq: int) -> dict[str, object]:
    return {
        "seq": seq,
        "at": f"2017-09-27T12:0{seq}:00+00:00",
        "kind": "kat",
        "actor": "clerk:maria",
        "data": {"n": seq, "x": 1.0, "s": "é"},
    }


KNOWN = {
    "legacy": {
        "first": '{"actor":"clerk:maria","at":"2017-09-27T12:01:00+00:00",'
        '"data":{"n":1,"s":"é","x":1.0},"kind":"kat","seq":1}',
        "leaves": [
            "10f8e0464a1be087ee818d7fadd8dd3b072cb6f56a213557a2b438738dd5605f",
            "53a266ac7512c0a7cd7cfd5799d8ced58016e9031099302a95df78dd4c5b2ee9",
            "885d17c5a58810d7c7a8ca74bd120e85e02292d04e5d940b4ef8c1c4ff4b30ce",
            "32ec043f7510e376a71e8c9bb08392620ee904e0b36ab1347e07fc6ac601da0d",
            "6d81f10065421ebb6b3a30b3d891ecfba29ea99ab13e78f4fd1b635f56857886",
        ],
        "chain": [
            "30f1dddb8635cb31b3c214ca8c59a79396aa49e56706efbee7fbc3a795b32a6d",
            "8c8f8fee44d96b4dc1e685e5f99b79a17019fb14105c8cb49bb4acc78e6b18ad",
            "ba9306d60b722a413adefb6787b038719883621e768d2c36d4e7331d6665b1c8",
            "97189b34d73b73c1d311356f0542a73c88a36de5f579cf6e7caa45e51c2a8b5a",
            "da270aea21c9add672bf13219bb5999a298a882df897acb31aaa49b4e4b515aa",
        ],
        "roots": {
            1: "10f8e0464a1be087ee818d7fadd8dd3b072cb6f56a213557a2b438738dd5605f",
            2: "d02a7ed46a0e4b6d094d3679c673fcbd7385944ba012fa67be46b25f6781d589",
            3: "c33dce929b431354a9f356dab39c02bb37df758233881b490beb9ef06c8439d0",
            5: "b7be97caa7d31f600e7d21056df85a901319e1da90adc56bd45db16a611e8a13",
        },
        "note": "kat.example/ledger\n5\nt76XyqfTH2AOfSEFbfhakBMZ4dqQrcVr1F2xamEeihM=\n\n"
        "— detainer-desk-ledger JW8uFZ0PnjUPw6VoWtIZiuJhml7e0eF5X3i49CY27iiMl6coEdWqzMwjacOEDY8wo"
        "DZX0VQ+fH/jaPnbmd6lnxTpdQQ=\n",
    },
    "rfc8785": {
        "first": '{"actor":"clerk:maria","at":"2017-09-27T12:01:00+00:00","canon":"rfc8785",'
        '"data":{"n":1,"s":"é","x":1},"kind":"kat","seq":1}',
        "leaves": [
            "25e000e1eb6db0a2a4dc0e63a05524bc582e5ad9ddcc38942c7a0663f6fbf1cb",
            "30cfc223422999ff8d29bfcd377969e2baf0108391b6b7cdc8cb563d85a6471e",
            "be5b4d4f257d850713591eb4aaf65513d930c93f96a95203035d646a93015dd0",
            "9a9b124fc3c4e580f9bb3494deae28ea28765d57a97d46224447bb8d38d6d178",
            "620e7c594e79cfd266fde662e8f90cebcd33f0d4aa5ba03560be4d6af8814111",
        ],
        "chain": [
            "513d5b7d6559508f49d05d9f045087cd789a30fe7fde840a71a0b6f48a26a702",
            "b3ab039904db85c9e5accf1b4539dafaf5d5c04044613c05bc550371b434a73f",
            "d98a45d0e7250fe04b76ac72d79bcae9068b34ace46da5c4acfae0d0c3428d31",
            "ff34fff8e88f4e2bd5e07f1156c3c5016340b93089ced69464ae94f3ced99816",
            "02111caaf3a8ec05e8d63b07226f0e0e8b5e40b03857789d8681bdc21afe6e91",
        ],
        "roots": {
            1: "25e000e1eb6db0a2a4dc0e63a05524bc582e5ad9ddcc38942c7a0663f6fbf1cb",
            2: "5c65ca3a6aa4c945b2bed69b228dd4fb3ade6fdf9940c5f6520099a1635df781",
            3: "50b57568eb19ae921b6b0ad6eb8f46c76cdaa5fdaadbb5fe62c570be5aaeddd7",
            5: "0c02f3bb7efd54b3bd3265c92857293e06cc13d18004cd70e9c164c0673d5181",
        },
        "note": "kat.example/ledger\n5\nDALzu379VLO9MmXJKFcpPgbME9GABM1w6cFkwGc9UYE=\n\n"
        "— detainer-desk-ledger JW8uFTob8H6BCyeALIew80/9Crhr6ctKzjHXuzcpWtBLyr6VDHhUYLYH5bI4dXIz3"
        "bv/blDfHVlYng+OTj+U5cInHgk=\n",
    },
}


def _bodies(form: str) -> list[str]:
    if form == "legacy":
        return [canonical_legacy(_entry(seq)) for seq in range(1, 6)]
    return [canonical({**_entry(seq), "canon": "rfc8785"}) for seq in range(1, 6)]


# -- the independent implementation: hashlib by hand --------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash, recursively, exactly as the RFC states it."""
    if not leaves:
        return _sha(b"")
    if len(leaves) == 1:
        return _sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _sha(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:]))


def _by_hand_canonical(entry: dict[str, object], form: str) -> str:
    """Both forms by hand: sorted keys, no spaces; RFC 8785 writes the integral 1.0 as 1."""
    if form == "rfc8785":
        data = dict(entry["data"])  # type: ignore[call-overload]
        data["x"] = int(data["x"])
        entry = {**entry, "data": data}
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["legacy", "rfc8785"])
def test_entries_leaves_chain_roots_and_note_are_the_known_answers(form: str) -> None:
    known = KNOWN[form]
    bodies = _bodies(form)
    assert bodies[0] == known["first"]
    named = {**_entry(1), "canon": "rfc8785"} if form == "rfc8785" else _entry(1)
    assert _by_hand_canonical(named, form) == known["first"]
    assert check_entries(bodies) == bodies
    previous, by_hand_previous = GENESIS, bytes(32)
    for i, body in enumerate(bodies):
        leaf = leaf_hash(body)
        assert leaf == known["leaves"][i] == _sha(b"\x00" + body.encode()).hex()
        previous = chain_hash(previous, leaf)
        by_hand_previous = _sha(by_hand_previous + bytes.fromhex(leaf))
        assert previous == known["chain"][i] == by_hand_previous.hex()
    tree = build_tree(bodies)
    encoded = [b.encode() for b in bodies]
    for size, root in known["roots"].items():  # type: ignore[attr-defined]
        assert tree.get_root(size).hex() == root == _mth(encoded[:size]).hex()
    note = sign_note(ORIGIN, 5, tree.get_root(5), KEY)
    assert note == known["note"]
    signed = read_checkpoint(note, VKEY)
    assert signed.size == 5 and signed.root.hex() == known["roots"][5]  # type: ignore[index]


def test_the_note_and_key_by_hand_per_c2sp() -> None:
    """The signed note's signature over 'origin\\nsize\\nbase64(root)\\n', the 4-byte key hash
    SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key), and the verifier key string — all by hand."""
    raw = KEY.public_key().public_bytes_raw()
    key_id = _sha(b"detainer-desk-ledger\n\x01" + raw)[:4]
    encoded = base64.b64encode(b"\x01" + raw).decode()
    assert verifier_key(KEY) == VKEY
    assert f"detainer-desk-ledger+{key_id.hex()}+{encoded}" == VKEY
    for form in ("legacy", "rfc8785"):
        note: str = KNOWN[form]["note"]  # type: ignore[assignment]
        body, _, signature_line = note.partition("\n\n")
        root = bytes.fromhex(KNOWN[form]["roots"][5])  # type: ignore[index]
        assert body + "\n" == f"{ORIGIN}\n5\n{base64.b64encode(root).decode()}\n"
        blob = base64.b64decode(signature_line.strip().rpartition(" ")[2])
        assert blob[:4] == key_id
        KEY.public_key().verify(blob[4:], (body + "\n").encode())  # raises if wrong


def test_rfc9162_empty_tree_and_the_first_checkpoint() -> None:
    """RFC 9162: the empty tree's hash is SHA-256 of nothing; `init`'s size-0 checkpoint uses it."""
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert _mth([]) == EMPTY_ROOT


def test_a_chain_hash_that_ignores_the_previous_entry_would_fail() -> None:
    """Guard on the guard: a broken chain function gives different answers than the known ones."""
    leaves = KNOWN["rfc8785"]["leaves"]
    broken = [hashlib.sha256(bytes.fromhex(leaf)).hexdigest() for leaf in leaves]  # type: ignore[union-attr]
    assert broken[1] != KNOWN["rfc8785"]["chain"][1]  # type: ignore[index]
