"""The website's tests use the API tests' client: the same app, inside the test's transaction."""

from tests.api.conftest import client  # noqa: F401  (a fixture, used by name)
