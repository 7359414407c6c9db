"""The ledger's Ed25519 signing key: created by `init`, kept outside the database.

The private key is a PEM file readable only by its owner; the public half is published as a C2SP
verifier key (`name+keyhash+base64(0x01‖key)`), the format transparency-log witnesses use.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from detainer_desk.errors import InputError
from detainer_desk.ledger.standalone import ALG_ED25519, key_hash

KEY_NAME = "detainer-desk-ledger"


def verifier_key(private: Ed25519PrivateKey, name: str = KEY_NAME) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return f"{name}+{key_hash(name, raw).hex()}+{base64.b64encode(ALG_ED25519 + raw).decode()}"


def ensure_signing_key(private_path: Path, public_path: Path) -> bool:
    """Create the key pair unless it exists; returns True when created."""
    if private_path.exists():
        if not public_path.exists():
            public_path.write_text(verifier_key(load_signing_key(private_path)) + "\n")
        return False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_path.write_text(verifier_key(key) + "\n")
    return True


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError):
        raise InputError(
            f"cannot read the ledger signing key {path}; run 'detainer-desk init'"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an Ed25519 key")
    return key
