"""The witness and the desk's kept cosignatures, exactly: the cosignature bytes by hand (C2SP
tlog-cosignature v1), every refusal word for word (rollback, fork, other log, bad signature,
malformed notes and keys), what the witness records and serves, and the bounds on witnesses.

Checkpoints are signed with a fixed desk key over roots of the RFC 9162 reference in
test_tree_proofs; the witness key is fixed too, so every signature is a known answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.errors import InputError
from detainer_desk.ledger import tree
from detainer_desk.ledger.cosignatures import (
    MAX_URL,
    MAX_VKEY,
    Witness,
    check_note,
    check_stored,
    check_witness,
    configured,
    fetch_cosigned,
    keep,
    public_view,
)
from detainer_desk.ledger.entries import append
from detainer_desk.ledger.keys import load_signing_key, verifier_key
from detainer_desk.ledger.log import sign_note, verify_database
from detainer_desk.ledger.standalone import VerificationError
from detainer_desk.ledger.tables import WitnessCosignature
from detainer_desk.ledger.witness import (
    WitnessHome,
    WitnessRefusal,
    check_cosignature,
    cosign,
    cosigner_key_id,
    cosigner_vkey,
    desk_fetchers,
    fetch_text,
    observe,
    serve_cosigned,
)

from .test_tree_proofs import LEAVES, mth, subproof

DESK_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DESK_VKEY = verifier_key(DESK_KEY)
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
NAME = "w.example"
NOW = datetime(2026, 11, 25, 6, tzinfo=UTC)
T = int(NOW.timestamp())
ORIGIN = "kat.example/ledger"


def _fails(message: str) -> pytest.RaisesContext[VerificationError]:
    return pytest.raises(VerificationError, match="^" + re.escape(message) + "$")


def _note(size: int, leaves: list[bytes] = LEAVES, origin: str = ORIGIN) -> str:
    return sign_note(origin, size, mth(leaves[:size]), DESK_KEY)


def _wvkey(name: str = NAME, key: Ed25519PrivateKey = WITNESS_KEY) -> str:
    return cosigner_vkey(name, key)


# -- cosignatures by hand -------------------------------------------------------------------


def test_a_cosignature_by_hand_per_c2sp() -> None:
    raw = WITNESS_KEY.public_key().public_bytes_raw()
    key_id = hashlib.sha256(b"w.example\n\x04" + raw).digest()[:4]
    assert cosigner_key_id(NAME, raw) == key_id
    encoded = base64.b64encode(b"\x04" + raw).decode()
    assert _wvkey() == f"w.example+{key_id.hex()}+{encoded}"
    note = _note(3)
    body = note.partition("\n\n")[0] + "\n"
    message = f"cosignature/v1\ntime {T}\n{body}".encode()
    blob = key_id + T.to_bytes(8, "big") + WITNESS_KEY.sign(message)
    cosigned = cosign(note, NAME, WITNESS_KEY, T)
    assert cosigned == note + f"— w.example {base64.b64encode(blob).decode()}\n"
    assert check_cosignature(cosigned, _wvkey()) == T
    assert check_cosignature(cosigned + "\n\n", f"  {_wvkey()}\n") == T  # trailing noise
    # A second witness's line after the first: each finds its own.
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(200, 232)))
    both = cosign(cosigned, "x.example", other, T + 5)
    assert both.startswith(cosigned.rstrip("\n") + "\n— x.example ")
    assert check_cosignature(both, _wvkey()) == T
    assert check_cosignature(both, _wvkey("x.example", other)) == T + 5


def test_every_bad_witness_key_or_cosignature_is_refused_word_for_word() -> None:
    cosigned = cosign(_note(3), NAME, WITNESS_KEY, T)
    raw = WITNESS_KEY.public_key().public_bytes_raw()
    key_id = cosigner_key_id(NAME, raw).hex()
    for broken in ("nothing", "a+b", "a+b+A"):
        with _fails("witness key is not a verifier key (name+hash+key)"):
            check_cosignature(cosigned, broken)
    desk_style = base64.b64encode(b"\x01" + raw).decode()
    short = base64.b64encode(b"\x04" + raw[:31]).decode()
    good = base64.b64encode(b"\x04" + raw).decode()
    for broken in (
        f"w.example+{key_id}+{desk_style}",
        f"w.example+{key_id}+{short}",
        f"w.example+00000000+{good}",
        f"v.example+{key_id}+{good}",
    ):
        with _fails("witness key is malformed or not a cosignature/v1 key"):
            check_cosignature(cosigned, broken)
    with _fails("the checkpoint carries no cosignature by witness 'w.example'"):
        check_cosignature(_note(3), _wvkey())
    # Its line without the em dash, or with a blob of the wrong length or key ID: not its line.
    with _fails("the checkpoint carries no cosignature by witness 'w.example'"):
        check_cosignature(cosigned.replace("— w.example", "w.example"), _wvkey())
    line = cosigned.rstrip("\n").rpartition("\n")[2]
    blob = base64.b64decode(line.rpartition(" ")[2])
    for wrong in (blob[:-1], blob + b"x", bytes(4) + blob[4:]):
        forged = cosigned.replace(line, f"— w.example {base64.b64encode(wrong).decode()}")
        with _fails("the checkpoint carries no cosignature by witness 'w.example'"):
            check_cosignature(forged, _wvkey())
    # Its line, but the time or the checkpoint changed under the signature.
    later = blob[:4] + struct.pack(">Q", T + 1) + blob[12:]
    with _fails("the cosignature by 'w.example' is invalid"):
        check_cosignature(
            cosigned.replace(line, f"— w.example {base64.b64encode(later).decode()}"), _wvkey()
        )
    with _fails("the cosignature by 'w.example' is invalid"):
        check_cosignature(cosigned.replace("\n3\n", "\n4\n"), _wvkey())
    with _fails("checkpoint has no signature block"):
        cosign("origin\n3\nroot\n", NAME, WITNESS_KEY, T)


# -- the witness: cosign growth, refuse the rest --------------------------------------------


def _proofs(calls: list[tuple[int, int]], leaves: list[bytes] = LEAVES):  # type: ignore[no-untyped-def]
    def proof(old: int, new: int) -> list[bytes]:
        calls.append((old, new))
        return subproof(old, leaves[:new], True)

    return proof


def _no_proof(old: int, new: int) -> list[bytes]:
    raise AssertionError(f"no proof should be asked for ({old}, {new})")


def _refusals(home: WitnessHome) -> list[dict[str, str]]:
    return [json.loads(line) for line in home.refusals_path.read_text().splitlines()]


def test_the_witness_cosigns_growth_and_keeps_what_it_cosigned(tmp_path: Path) -> None:
    home = WitnessHome(tmp_path / "w", NAME)
    assert home.last() is None
    first = observe(home, _note(0), DESK_VKEY, _no_proof, NOW)  # nothing before: no proof
    key = home.key()
    assert stat.S_IMODE(home.path.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.key_path.stat().st_mode) == 0o600
    assert home.vkey_path.read_text() == cosigner_vkey(NAME, key) + "\n"
    assert first == cosign(_note(0), NAME, key, T)
    assert home.last() == first
    # From size 0 no proof is needed; from 3 to 7 one is asked for and checked.
    assert observe(home, _note(3), DESK_VKEY, _no_proof, NOW) == cosign(_note(3), NAME, key, T)
    calls: list[tuple[int, int]] = []
    seven = observe(home, _note(7), DESK_VKEY, _proofs(calls), NOW)
    assert calls == [(3, 7)] and home.last() == seven
    assert observe(home, _note(7), DESK_VKEY, _no_proof, NOW) == seven  # same size, same root
    assert not home.refusals_path.exists()
    assert WitnessHome(tmp_path / "w", NAME).key().public_key().public_bytes_raw() == (
        key.public_key().public_bytes_raw()
    )


def _refused(home: WitnessHome, note: str, message: str, proof=_no_proof) -> None:  # type: ignore[no-untyped-def]
    before = home.last()
    with pytest.raises(WitnessRefusal) as caught:
        observe(home, note, DESK_VKEY, proof, NOW)
    assert str(caught.value) == message
    kind, _, text = message.partition(": ")
    assert _refusals(home)[-1] == {"at": "2026-11-25T06:00:00+00:00", "kind": kind, "message": text}
    assert home.last() == before  # nothing cosigned


def test_the_witness_refuses_rollback_fork_other_logs_and_bad_signatures(tmp_path: Path) -> None:
    home = WitnessHome(tmp_path / "w", NAME)
    observe(home, _note(5), DESK_VKEY, _no_proof, NOW)
    _refused(
        home,
        _note(4),
        "rollback: the desk's checkpoint has 4 entries, fewer than the 5 this witness cosigned: "
        "the log was rolled back",
    )
    other = [hashlib.sha256(b"other" + bytes([i])).digest() for i in range(9)]
    _refused(home, _note(5, other), "fork: same size 5, different root: a fork")
    _refused(
        home,
        _note(9, other),
        "fork: the desk's tree of 9 does not extend the 5 this witness cosigned (consistency "
        "proof does not hold: the log was rewritten): a fork or a rebuilt log",
        _proofs([], other),
    )

    def down(old: int, new: int) -> list[bytes]:
        raise OSError("desk unreachable")

    _refused(
        home,
        _note(9),
        "fork: the desk's tree of 9 does not extend the 5 this witness cosigned (desk "
        "unreachable): a fork or a rebuilt log",
        down,
    )
    _refused(home, _note(9, origin="elsewhere"), f"other-log: origin 'elsewhere' is not '{ORIGIN}'")
    _refused(
        home, _note(9).replace("\n9\n", "\n10\n"), "bad-signature: checkpoint signature is invalid"
    )
    assert [r["kind"] for r in _refusals(home)] == [
        "rollback",
        "fork",
        "fork",
        "fork",
        "other-log",
        "bad-signature",
    ]


@contextmanager
def _served(home: WitnessHome) -> Iterator[str]:
    server = serve_cosigned(home, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str) -> tuple[int, str, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            headers = response.headers
            return (
                response.status,
                headers["Content-Type"],
                headers["Content-Length"],
                (response.read().decode()),
            )
    except urllib.error.HTTPError as error:
        headers = error.headers
        return (
            error.code,
            headers["Content-Type"],
            headers["Content-Length"],
            (error.read().decode()),
        )


def test_the_witness_serves_what_it_cosigned_and_the_desk_fetches_it(tmp_path: Path) -> None:
    home = WitnessHome(tmp_path / "w", NAME)
    with _served(home) as url:
        assert _get(f"{url}/cosigned") == (404, "text/plain; charset=utf-8", "10", "not found\n")
        cosigned = observe(home, _note(3), DESK_VKEY, _no_proof, NOW)
        size = str(len(cosigned.encode()))
        for where in ("/cosigned", "/cosigned/"):
            assert _get(url + where) == (200, "text/plain; charset=utf-8", size, cosigned)
        assert _get(f"{url}/other")[0] == 404
        witness = Witness(url, _wvkey())
        assert fetch_cosigned(witness) == cosigned
        assert fetch_cosigned(witness, max_bytes=len(cosigned.encode())) == cosigned
        with pytest.raises(ValueError) as caught:
            fetch_cosigned(witness, max_bytes=len(cosigned.encode()) - 1)
        assert str(caught.value) == (
            f"the witness's answer is larger than {len(cosigned.encode()) - 1} bytes"
        )
    with pytest.raises(ValueError) as bad:
        desk_fetchers("ftp://desk.example")
    assert str(bad.value) == "'ftp://desk.example' is not an http(s) URL"


# -- the desk's side: bounds, checks, what it keeps -----------------------------------------


def test_witness_bounds_word_for_word(tmp_path: Path) -> None:
    vkey = _wvkey()
    assert check_witness(" http://w.example:8100/ \n", f" {vkey}\n") == Witness(
        "http://w.example:8100", vkey
    )
    assert check_witness("http://w.exampleX/", vkey).url == "http://w.exampleX"  # only "/"
    assert check_witness("http://w/!~", vkey).url == "http://w/!~"  # "!" is the first allowed
    longest = "https://w.example/" + "a" * (MAX_URL - len("https://w.example/"))
    assert check_witness(longest, vkey).url == longest
    url_error = (
        f"witness URL must be an http(s) URL of at most {MAX_URL} characters without spaces or "
        "control characters, e.g. http://witness.example:8100"
    )
    for url in ("", longest + "a", "ftp://w", "http://", "http://w/a b", "http://w/\x7f", "w"):
        with pytest.raises(InputError) as caught:
            check_witness(url, vkey)
        assert (caught.value.message, caught.value.field) == (url_error, "witness")
    key_error = "witness key must be the witness's verifier key (its witness.pub: name+id+key)"
    assert check_witness("http://w", "a+b+" + "c" * (MAX_VKEY - 4)).vkey.endswith("c")
    for key in ("", "a+b", "a+b+" + "c" * (MAX_VKEY - 3), "a+b+c\x00"):
        with pytest.raises(InputError) as caught:
            check_witness("http://w", key)
        assert (caught.value.message, caught.value.field) == (key_error, "witness_key")
    key_file = tmp_path / "witness.pub"
    key_file.write_text(vkey + "\n")
    assert configured([("http://w", key_file)]) == [Witness("http://w", vkey)]
    key_file.write_text("a+b+" + "c" * MAX_VKEY)  # read only as far as one past the bound
    with pytest.raises(InputError) as caught:
        configured([("http://w", key_file)])
    assert caught.value.message == key_error
    missing = tmp_path / "none.pub"
    with pytest.raises(InputError) as caught:
        configured([("http://w", missing)])
    assert caught.value.message.startswith(f"cannot read the witness key {missing} (")
    assert caught.value.message.endswith("); give the witness's witness.pub")
    assert caught.value.field == "witness_key"


def _desk(tmp: Path, entries: int) -> tuple[Desk, str]:
    """A desk (with its own signing key) and `entries` entries; returns it and its vkey."""
    settings = DeskSettings(home=tmp, db=f"sqlite:///{tmp / 'desk.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    with desk.sessions.begin() as session:
        for i in range(entries):
            append(session, "witness_test", "test", desk.clock.now(), {"i": i})
    return desk, settings.public_key_path.read_text()


def test_a_cosigned_note_is_checked_against_the_witness_the_desk_and_the_ledger(
    tmp_path: Path,
) -> None:
    desk, vkey = _desk(tmp_path, 3)
    key = load_signing_key(desk.settings.signing_key_path)
    with desk.sessions() as session:
        root = tree.root(session, 3)
        note = cosign(sign_note(ORIGIN, 3, root, key), NAME, WITNESS_KEY, T)
        fields = check_note(session, note, f" {_wvkey()}\n", vkey)
        assert fields == {
            "note_sha256": hashlib.sha256(note.encode()).hexdigest(),
            "witness_name": NAME,
            "key_id": _wvkey().split("+")[1],
            "witness_key": _wvkey(),
            "tree_size": 3,
            "root_hash": root.hex(),
            "cosigned_at": NOW,
            "note": note,
        }
        too_big = cosign(sign_note(ORIGIN, 4, root, key), NAME, WITNESS_KEY, T)
        with _fails("the witness cosigned a tree of 4 entries; this ledger has 3"):
            check_note(session, too_big, _wvkey(), vkey)
        forked = cosign(sign_note(ORIGIN, 2, root, key), NAME, WITNESS_KEY, T)
        with _fails(
            "the witness cosigned a root for size 2 that is not this ledger's root at that "
            "size: a fork"
        ):
            check_note(session, forked, _wvkey(), vkey)
        with _fails("the checkpoint carries no cosignature by witness 'w.example'"):
            check_note(session, sign_note(ORIGIN, 3, root, key), _wvkey(), vkey)
        line = note.rstrip("\n").rpartition("\n")[2]
        with pytest.raises(VerificationError) as caught:
            check_note(session, note.replace(line, line[:-2] + "!"), _wvkey(), vkey)
        assert str(caught.value).startswith("the cosigned note is malformed (")
    desk.close()


def test_kept_cosignatures_are_stored_once_checked_again_and_shown(tmp_path: Path) -> None:
    desk, vkey = _desk(tmp_path, 3)
    key = load_signing_key(desk.settings.signing_key_path)
    fetched = datetime(2026, 11, 25, 7, tzinfo=UTC)
    with desk.sessions.begin() as session:
        root = tree.root(session, 3)
        note = cosign(sign_note(ORIGIN, 3, root, key), NAME, WITNESS_KEY, T)
        fields = check_note(session, note, _wvkey(), vkey)
        row, new = keep(session, fields, "http://w.example", fetched)
        assert new is True and row.id == 1
        again, new = keep(session, dict(fields), "http://elsewhere", fetched)
        assert new is False and again.id == 1 and again.url == "http://w.example"
        append(session, "cosignature_kept", "test", fetched, {})
    newest = desk.checkpoint()
    with desk.sessions() as session:
        assert check_stored(session, vkey) == 1
        assert verify_database(session, vkey, newest).cosignatures == 1
        stored = session.get(WitnessCosignature, 1)
        assert stored is not None
        assert public_view(stored, vkey, session) == {
            "id": 1,
            "witness": NAME,
            "key_id": _wvkey().split("+")[1],
            "witness_key": _wvkey(),
            "url": "http://w.example",
            "tree_size": 3,
            "root_hash": root.hex(),
            "root_base64": base64.b64encode(root).decode(),
            "cosigned_at": "2026-11-25T06:00:00+00:00",
            "fetched_at": "2026-11-25T07:00:00+00:00",
            "verified": True,
            "note": note,
        }
        assert public_view(stored, DESK_VKEY, session)["verified"] is False  # another desk key
        with _fails(
            "cosignatures row 1: checkpoint carries no signature by 'detainer-desk-ledger'"
        ):
            check_stored(session, DESK_VKEY)
    desk.close()


def test_a_kept_row_that_differs_from_its_note_is_named(tmp_path: Path) -> None:
    desk, vkey = _desk(tmp_path, 3)
    key = load_signing_key(desk.settings.signing_key_path)
    for changed in ({"tree_size": 2}, {"root_hash": "00" * 32}):
        with desk.sessions() as session:
            root = tree.root(session, 3)
            note = cosign(sign_note(ORIGIN, 3, root, key), NAME, WITNESS_KEY, T)
            fields = check_note(session, note, _wvkey(), vkey)
            row = WitnessCosignature(**{**fields, **changed}, url="http://w", fetched_at=NOW)
            session.add(row)
            session.flush()
            with _fails(f"cosignatures row {row.id}: its size or root differs from its note"):
                check_stored(session, vkey)
            session.rollback()
    desk.close()


class _Slow(BaseHTTPRequestHandler):
    """Records the Accept header it was sent; answers after `delay` seconds."""

    accepts: ClassVar[list[str | None]] = []
    delay: ClassVar[float] = 0.0

    def do_GET(self) -> None:
        _Slow.accepts.append(self.headers.get("Accept"))
        time.sleep(_Slow.delay)
        payload = b"cosigned\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_the_desk_asks_for_plain_text_and_gives_up_on_a_slow_witness() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    witness = Witness(f"http://127.0.0.1:{server.server_address[1]}", _wvkey())
    try:
        _Slow.accepts, _Slow.delay = [], 0.0
        assert fetch_cosigned(witness) == "cosigned\n"
        assert [a.lower() if a else a for a in _Slow.accepts] == ["text/plain"]
        _Slow.delay = 3.0  # longer than the timeout given: the fetch gives up, it does not wait
        started = time.monotonic()
        with pytest.raises(OSError):
            fetch_cosigned(witness, timeout=0.5)
        assert time.monotonic() - started < 2.5
    finally:
        server.shutdown()
        server.server_close()


def test_a_witness_key_with_a_plus_in_its_base64_is_kept_whole(tmp_path: Path) -> None:
    # The base64 of this key has a "+" in it: only the first two "+" separate the fields.
    plus_key = Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32)
    vkey = _wvkey(NAME, plus_key)
    assert vkey.split("+", 2)[2].count("+") == 1
    desk, desk_vkey = _desk(tmp_path, 1)
    key = load_signing_key(desk.settings.signing_key_path)
    with desk.sessions() as session:
        note = cosign(sign_note(ORIGIN, 1, tree.root(session, 1), key), NAME, plus_key, T)
        fields = check_note(session, note, vkey, desk_vkey)
    assert (fields["witness_name"], fields["key_id"], fields["witness_key"]) == (
        NAME,
        vkey.split("+")[1],
        vkey,
    )
    desk.close()


def test_only_the_witness_own_lines_count_whatever_comes_before() -> None:
    cosigned = cosign(_note(3), NAME, WITNESS_KEY, T)
    # Before its line: a line of the same name with another key's blob (passed over), and one
    # by a signer whose name only starts with the witness's (not taken for its own).
    old_key = Ed25519PrivateKey.from_private_bytes(bytes(range(50, 82)))
    stale = cosign(_note(3), NAME, old_key, T - 10).rstrip("\n").rpartition("\n")[2]
    body, _, lines = cosigned.partition("\n\n")
    noisy = f"{body}\n\n— w.example junk sig\n{stale}\n{lines}"
    assert check_cosignature(noisy, _wvkey()) == T
    # C2SP: the timestamp is an unsigned 64-bit integer.
    late = 2**63 + 5
    assert check_cosignature(cosign(_note(3), NAME, WITNESS_KEY, late), _wvkey()) == late


class _Desk(BaseHTTPRequestHandler):
    """A desk as the witness sees it, behind a path prefix: records each path it is asked."""

    paths: ClassVar[list[str]] = []
    big: ClassVar[bool] = False

    def do_GET(self) -> None:
        _Desk.paths.append(self.path)
        if _Desk.big:
            payload = b"x" * 1_000_001
        elif "consistency" in self.path:
            payload = json.dumps({"proof": ["00" * 32, "ff" * 32]}).encode()
        else:
            payload = b"checkpoint\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_the_witness_asks_the_desk_at_its_exact_addresses() -> None:
    with pytest.raises(ValueError):
        desk_fetchers("file:///etc/desk")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Desk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/deskX/"
    try:
        _Desk.paths, _Desk.big = [], False
        checkpoint, proof = desk_fetchers(base)
        assert checkpoint() == "checkpoint\n"
        assert proof(3, 7) == [bytes(32), b"\xff" * 32]
        assert _Desk.paths == [
            "/deskX/api/ledger/checkpoint",
            "/deskX/api/ledger/consistency?old=3&new=7",
        ]
        desk_fetchers("https://desk.example/")  # https is a desk URL too
        _Desk.big = True  # the witness reads at most 1,000,000 bytes of an answer
        assert len(fetch_text(base + "api/ledger/checkpoint")) == 1_000_000
    finally:
        server.shutdown()
        server.server_close()


def test_the_witness_gives_up_on_a_slow_desk() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _Slow.accepts, _Slow.delay = [], 3.0
        started = time.monotonic()
        with pytest.raises(OSError):
            fetch_text(f"http://127.0.0.1:{server.server_address[1]}/", timeout=0.5)
        assert time.monotonic() - started < 2.5
    finally:
        server.shutdown()
        server.server_close()


def test_the_witness_adds_its_line_and_leaves_the_note_as_it_came(tmp_path: Path) -> None:
    for last in ("— other sig ", "— other sigX"):  # a trailing space, a final "X": kept
        note = f"o\n1\nr\n\n{last}\n"
        assert cosign(note, NAME, WITNESS_KEY, T).startswith(f"{note}— w.example ")
    deep = WitnessHome(tmp_path / "not" / "yet" / "there", NAME)
    deep.key()  # its folder is made with the missing parents
    assert deep.vkey_path.read_text() == _wvkey(NAME, deep.key()) + "\n"


def test_every_kept_cosignature_is_counted(tmp_path: Path) -> None:
    desk, vkey = _desk(tmp_path, 2)
    key = load_signing_key(desk.settings.signing_key_path)
    with desk.sessions.begin() as session:
        root = tree.root(session, 2)
        for at in (T, T + 60):
            note = cosign(sign_note(ORIGIN, 2, root, key), NAME, WITNESS_KEY, at)
            keep(session, check_note(session, note, _wvkey(), vkey), "http://w", NOW)
    with desk.sessions() as session:
        assert check_stored(session, vkey) == 2
    desk.close()
