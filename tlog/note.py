"""Checkpoints (C2SP tlog-checkpoint) as signed notes (C2SP signed-note) with Ed25519 keys.

A checkpoint is three lines - origin, tree size, base64 root hash - then a blank line and one
signature line per signer: ``— <key name> <base64(4-byte key ID || 64-byte signature)>``. The key
ID is the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key). Keys are written as the Go
``golang.org/x/mod/sumdb/note`` package writes them, so its tools read ours:
``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`` and ``<name>+<hex key ID>+<base64(0x01 || key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

# cryptography is imported where a key is used (33 modules, ~2 MB): a worker without a signing
# key (GONGSHI_LOG_KEY_FILE unset) never signs or verifies (issue 13's memory).
from tlog.error_codes import LogErrorCode as Code
from tlog.errors import LogError

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 note key."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise LogError("密钥名称不能为空，不能含有空白或“+”", code=Code.LOG_KEY_NAME_INVALID)
    return name


@dataclass(frozen=True)
class Verifier:
    """A public note key: its name (the log's origin) and Ed25519 public key."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def encode(self) -> str:
        """``<name>+<hex key ID>+<base64(0x01 || key)>``."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Read a verifier key string; LogError if it is malformed or its key ID is wrong."""
        try:
            name, hex_id, b64 = text.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
            key_id_given = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error):
            raise LogError("公钥格式应为“名称+密钥ID+base64”", code=Code.LOG_KEY_INVALID) from None
        if len(raw) != 33 or raw[:1] != ED25519 or key_id(name, raw[1:]) != key_id_given:
            raise LogError("公钥不是有效的Ed25519签名笔记公钥", code=Code.LOG_KEY_INVALID)
        return cls(_check_name(name), raw[1:])

    def verify(self, text: str, signature: bytes) -> bool:
        """Is ``signature`` this key's signature of the note text?"""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, text.encode("utf-8"))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private note key; kept in a file outside the database (GONGSHI_LOG_KEY_FILE)."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new random key (``gongshi log keygen``)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(_check_name(name), raw)

    @property
    def verifier(self) -> Verifier:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        key = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return Verifier(self.name, key.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def encode(self) -> str:
        """``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        hex_id = self.verifier.key_id.hex()
        return f"PRIVATE+KEY+{self.name}+{hex_id}+{base64.b64encode(ED25519 + self.seed).decode()}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        """Read a private key string; LogError if malformed."""
        prefix = "PRIVATE+KEY+"
        if not text.startswith(prefix):
            raise LogError("私钥文件应以“PRIVATE+KEY+”开头", code=Code.LOG_KEY_INVALID)
        try:
            name, hex_id, b64 = text[len(prefix) :].strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
            given = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error):
            raise LogError(
                "私钥格式应为“PRIVATE+KEY+名称+密钥ID+base64”", code=Code.LOG_KEY_INVALID
            ) from None
        if len(raw) != 33 or raw[:1] != ED25519:
            raise LogError("私钥不是Ed25519签名笔记私钥", code=Code.LOG_KEY_INVALID)
        signer = cls(_check_name(name), raw[1:])
        if signer.verifier.key_id != given:
            raise LogError("私钥的密钥ID与密钥不符", code=Code.LOG_KEY_INVALID)
        return signer

    def sign(self, text: str) -> str:
        """The signed note: ``text`` (ending in a newline), a blank line, this key's signature line."""
        if not text.endswith("\n"):
            raise ValueError("a note's text ends with a newline")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode("utf-8"))
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: origin, size and root hash, and the signed note it came in."""

    origin: str
    size: int
    root: bytes
    note: str = ""

    def body(self) -> str:
        """The note text of the checkpoint (C2SP tlog-checkpoint), without extension lines."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of a signed note, if ``verifier`` signed it; LogError otherwise (C2SP signed-note)."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not note.endswith("\n"):
        raise LogError("签名笔记格式错误：缺少空行或结尾换行", code=Code.LOG_NOTE_MALFORMED)
    text += "\n"
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise LogError("签名笔记格式错误：签名行应以“— ”开头", code=Code.LOG_NOTE_MALFORMED)
        name, _, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise LogError("签名笔记格式错误：签名不是base64", code=Code.LOG_NOTE_MALFORMED) from None
        if name == verifier.name and raw[:4] == verifier.key_id and len(raw) == 68:
            if verifier.verify(text, raw[4:]):
                return text
            raise LogError("检查点签名无效", code=Code.LOG_SIGNATURE_INVALID)
    raise LogError(f"检查点没有密钥“{verifier.name}”的签名", code=Code.LOG_SIGNATURE_MISSING)


def parse_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """A checkpoint whose signature by ``verifier`` checks out; LogError otherwise."""
    lines = open_note(note, verifier).split("\n")
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise LogError("检查点格式错误", code=Code.LOG_CHECKPOINT_MALFORMED) from None
    if origin != verifier.name or len(root) != 32 or size < 0 or lines[1] != str(size):
        raise LogError("检查点格式错误：来源、大小或根哈希不对", code=Code.LOG_CHECKPOINT_MALFORMED)
    return Checkpoint(origin, size, root, note)
