"""Access keys and the accounts they act for.

SigV4 is an HMAC, so verifying a signature needs the secret itself, not a hash of it. Secrets are
therefore stored *sealed*: encrypted with AES-256-GCM under a master key that lives outside the
database (``STEMMA_MASTER_KEY``, or the file ``master.key`` in the data dir, mode 0600). The
database alone, a dump or a replica, yields no usable credential; the master key plus the
database does, so the master key must be protected like a password. The access key id, account
and root flag are bound into each ciphertext as associated data, so a sealed secret cannot be
moved to another key id or account by writing to the database.

Decrypted secrets are cached in memory for a few seconds, so a deleted key stops working on
every server within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stemma.auth.sigv4 import Credential
from stemma.store.contract import Store, StoredKey

MASTER_KEY_ENV = "STEMMA_MASTER_KEY"
MASTER_KEY_FILE = "master.key"
MASTER_CHECK = "master_key_check"
CACHE_SECONDS = 5.0
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ACCOUNT_PATTERN = re.compile(r"[0-9]{12}")


class KeyConfigError(Exception):
    """A key operation cannot be done (bad account id, unreadable master key, ...)."""


def _bound(access_key_id: str, account: str, is_root: bool) -> bytes:
    """What a sealed secret is bound to: moving it to another key id or account, or making it
    root, in the database alone makes it fail to open."""
    return f"{access_key_id}\n{account}\n{int(is_root)}".encode()


def load_master_key(data_dir: Path, *, create: bool) -> bytes:
    """The master key from the environment, else from the data dir (created when asked)."""
    text = os.environ.get(MASTER_KEY_ENV)
    if text:
        return _decode_master(text, MASTER_KEY_ENV)
    path = data_dir / MASTER_KEY_FILE
    if path.exists():
        return _decode_master(path.read_text().strip(), str(path))
    if not create:
        raise KeyConfigError(
            f"no master key: this database was set up with one; set {MASTER_KEY_ENV} or put its "
            f"{MASTER_KEY_FILE} in {data_dir}"
        )
    key = AESGCM.generate_key(bit_length=256)
    write_private(path, base64.b64encode(key).decode() + "\n")
    return key


def _decode_master(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KeyConfigError(f"{where} must hold 32 bytes, base64-encoded")
    return key


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600 from creation, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def new_access_key_id() -> str:
    return "STMA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


def new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


@dataclass(frozen=True)
class KeyInfo:
    access_key_id: str
    account: str
    is_root: bool
    created_ms: int


class KeyRing:
    """Seals, stores and looks up access keys through the store contract."""

    def __init__(self, store: Store, master_key: bytes) -> None:
        # A fingerprint of the master key, kept in the database, catches a server or command
        # given the wrong key before it seals or rejects anything with it.
        fingerprint = hmac.new(master_key, b"stemma master key check", hashlib.sha256).digest()
        if store.meta_setdefault(MASTER_CHECK, fingerprint[:16]) != fingerprint[:16]:
            raise KeyConfigError(
                f"the master key does not match the one {store.description} was set up with: "
                f"give every server and command the same {MASTER_KEY_ENV} (or master.key)"
            )
        self._store = store
        self._aead = AESGCM(master_key)
        self._cache: dict[str, tuple[float, Credential | None]] = {}
        self._lock = threading.Lock()

    def add(self, access_key_id: str, secret: str, account: str, *, is_root: bool) -> None:
        if not ACCOUNT_PATTERN.fullmatch(account):
            raise KeyConfigError(f"account id must be 12 digits, got {account!r}")
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(
            nonce, secret.encode(), _bound(access_key_id, account, is_root)
        )
        created_ms = time.time_ns() // 1_000_000
        self._store.put_access_key(StoredKey(access_key_id, account, sealed, is_root, created_ms))
        with self._lock:
            self._cache.pop(access_key_id, None)

    def create(self, account: str) -> Credential:
        credential = Credential(new_access_key_id(), new_secret(), account)
        self.add(credential.access_key_id, credential.secret, account, is_root=False)
        return credential

    def delete(self, access_key_id: str) -> None:
        self._store.delete_access_key(access_key_id)
        with self._lock:
            self._cache.pop(access_key_id, None)

    def list(self) -> list[KeyInfo]:
        return [
            KeyInfo(k.access_key_id, k.account, k.is_root, k.created_ms)
            for k in self._store.list_access_keys()
        ]

    def root(self) -> KeyInfo | None:
        return next((k for k in self.list() if k.is_root), None)

    def lookup(self, access_key_id: str) -> Credential | None:
        """The credential for a key id, or None; cached for ``CACHE_SECONDS``."""
        now = time.monotonic()
        hit = self._cache.get(access_key_id)  # one dict read is atomic: no lock on the hot path
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        stored = self._store.get_access_key(access_key_id)
        credential = None if stored is None else self._unseal(stored)
        with self._lock:
            if len(self._cache) > 10_000:  # unknown ids must not grow memory without bound
                self._cache.clear()
            self._cache[access_key_id] = (now, credential)
        return credential

    def _unseal(self, stored: StoredKey) -> Credential | None:
        nonce, ciphertext = stored.sealed_secret[:12], stored.sealed_secret[12:]
        try:
            secret = self._aead.decrypt(
                nonce, ciphertext, _bound(stored.access_key_id, stored.account, stored.is_root)
            )
        except InvalidTag:
            return None  # sealed under another master key: unusable here
        return Credential(stored.access_key_id, secret.decode(), stored.account)


ROOT_CREDENTIALS_FILE = "root-credentials.json"


def ensure_root(
    ring: KeyRing, data_dir: Path, account: str, configured: Credential | None
) -> tuple[Credential | None, bool]:
    """Make sure a root key exists; returns (the root credential if known here, newly made).

    A configured pair (environment or flags) is stored as the root key. Without one, the first
    start generates a random pair, keeps it in the data dir (mode 0600) and reports it as new,
    so the caller prints it once; later starts reuse it silently.
    """
    if configured is not None:
        ring.add(configured.access_key_id, configured.secret, configured.account, is_root=True)
        return configured, False
    path = data_dir / ROOT_CREDENTIALS_FILE
    if path.exists():
        saved = json.loads(path.read_text())
        credential = Credential(saved["AccessKeyId"], saved["SecretAccessKey"], saved["AccountId"])
        if ring.lookup(credential.access_key_id) is None:
            ring.add(credential.access_key_id, credential.secret, credential.account, is_root=True)
        return credential, False
    if ring.root() is not None:
        return None, False  # made elsewhere (another server on a shared database)
    credential = Credential(new_access_key_id(), new_secret(), account)
    ring.add(credential.access_key_id, credential.secret, account, is_root=True)
    saved_text = json.dumps(
        {
            "AccessKeyId": credential.access_key_id,
            "SecretAccessKey": credential.secret,
            "AccountId": account,
        },
        indent=2,
    )
    write_private(path, saved_text + "\n")
    return credential, True
