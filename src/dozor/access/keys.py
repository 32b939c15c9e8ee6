"""The network key store of hit/no-hit (DATA.md §2.8 "Digest and key").

The hub admin generates the network key; it travels only over the node channel and stays in
the node's key store. A key has a version: digests carry the version they were computed with,
so that after a yearly rotation old and new digests can live side by side for a grace period.

Keys are read from two places:

- files ``<home>/keys/network-v<N>.key`` (mode 0600, folder 0700), written by
  ``dozor key generate-network``;
- the setting ``DOZOR_NETWORK_KEY`` (normally given as ``DOZOR_NETWORK_KEY_FILE=/run/secrets/…``
  so that the key never sits in the environment).

A key file holds one line ``v<N>:<64 hex digits>`` (32 random bytes); a bare hex string counts
as version 1. The newest version is the current one. Key material is never printed or logged.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from dozor.settings import Settings

log = logging.getLogger(__name__)

KEY_BYTES = 32
_FILE_NAME = re.compile(r"network-v([0-9]{1,6})\.key")
_CONTENT = re.compile(r"(?:v([0-9]{1,6}):)?([0-9a-fA-F]{64})")


class KeyStoreError(ValueError):
    """A key that cannot be read or written (malformed, duplicate, missing)."""


@dataclass(frozen=True, slots=True)
class NetworkKey:
    """One version of the network key (``secret`` never leaves the node)."""

    version: int
    secret: bytes

    def __repr__(self) -> str:  # never show key material, even in tracebacks
        return f"NetworkKey(version={self.version})"


def key_folder(settings: Settings) -> Path:
    """``<home>/keys``."""
    return settings.home / "keys"


def parse_key(text: str, default_version: int = 1) -> NetworkKey:
    """``v<N>:<hex>`` or bare ``<hex>`` (version ``default_version``) → a key."""
    found = _CONTENT.fullmatch(text.strip())
    if found is None:
        raise KeyStoreError("a network key is 'v<N>:<64 hex digits>' or 64 hex digits")
    version = int(found.group(1)) if found.group(1) else default_version
    if version < 1:
        raise KeyStoreError("a key version starts at 1")
    return NetworkKey(version, bytes.fromhex(found.group(2)))


def format_key(key: NetworkKey) -> str:
    """The one-line text of a key file."""
    return f"v{key.version}:{key.secret.hex()}\n"


def load_keys(settings: Settings) -> dict[int, NetworkKey]:
    """Every key version this node holds, by version.

    A malformed key file is skipped with a warning (it names the file, not its content); two
    different keys claiming one version raise `KeyStoreError`.
    """
    keys: dict[int, NetworkKey] = {}

    def add(key: NetworkKey, where: str) -> None:
        known = keys.get(key.version)
        if known is not None and known.secret != key.secret:
            raise KeyStoreError(f"two different network keys claim version {key.version} ({where})")
        keys[key.version] = key

    folder = key_folder(settings)
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            name = _FILE_NAME.fullmatch(path.name)
            if name is None or not path.is_file():
                continue
            try:
                key = parse_key(path.read_text(encoding="utf-8"), int(name.group(1)))
            except (OSError, ValueError):
                log.warning("ignoring unreadable network key file %s", path)
                continue
            if key.version != int(name.group(1)):
                log.warning("ignoring key file %s: its content names another version", path)
                continue
            add(key, str(path))
    if settings.network_key.strip():
        add(parse_key(settings.network_key), "DOZOR_NETWORK_KEY")
    return keys


def current_key(settings: Settings) -> NetworkKey | None:
    """The newest key version, or None when the node holds no key."""
    keys = load_keys(settings)
    return keys[max(keys)] if keys else None


def generate_key(settings: Settings, version: int | None = None) -> tuple[NetworkKey, Path]:
    """Generate a new random key and store it as ``<home>/keys/network-v<N>.key`` (0600).

    ``version`` defaults to one more than the newest held. An existing version is never
    overwritten (`KeyStoreError`).
    """
    held = load_keys(settings)
    if version is None:
        version = max(held, default=0) + 1
    if version < 1:
        raise KeyStoreError("a key version starts at 1")
    if version in held:
        raise KeyStoreError(f"network key version {version} exists already")
    folder = key_folder(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    key = NetworkKey(version, secrets.token_bytes(KEY_BYTES))
    path = folder / f"network-v{version}.key"
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyStoreError(f"{path} exists already") from None
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(format_key(key))
    os.chmod(path, 0o600)  # whatever the umask
    return key, path
