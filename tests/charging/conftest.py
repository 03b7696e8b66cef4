# REST tests here use the same real-HTTP clients as tests/api.
from tests.api.conftest import client_with  # noqa: F401
