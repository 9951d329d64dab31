"""Page URLs carry the plain row number; the schema takes relay global IDs ("Type:id" in base64)."""

from __future__ import annotations

import base64


def global_id(type_name: str, local: int | str) -> str:
    """The relay global ID of row ``local`` of ``type_name``."""
    return base64.b64encode(f"{type_name}:{local}".encode()).decode()


def local_id(global_: str) -> str:
    """The row number inside a relay global ID."""
    return base64.b64decode(global_).decode().partition(":")[2]
