"""Search tests use the read API's HTTP client fixture (tests/api/conftest.py)."""

from tests.api.conftest import client

__all__ = ["client"]
