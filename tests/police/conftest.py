"""Fixtures of the police console tests."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import api_token

# Reports and queue listings read the PostgreSQL lane's replica (tests/replica.py).
from tests.replica import app, settings  # noqa: F401


@pytest.fixture
async def hotel(client: httpx.AsyncClient) -> str:
    """A bearer token of the Hoàn Kiếm hotel's staff (ward unit of `police.hk`)."""
    return await api_token(client, "staff.hk")
