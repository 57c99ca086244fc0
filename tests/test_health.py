"""``/healthz`` answers 200 while the database does, 503 when it does not."""

from __future__ import annotations

import httpx
import pytest

from tests import pg


async def test_healthy(client: httpx.AsyncClient, lane: str) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "postgresql" if lane == "postgres" else "sqlite",
    }


@pytest.mark.postgres_only
async def test_database_gone_means_503(
    client: httpx.AsyncClient, pg_cluster: pg.Cluster, database_url: str
) -> None:
    name = database_url.rsplit("/", 1)[1]
    assert (await client.get("/healthz")).status_code == 200
    pg_cluster.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    pg_cluster.sql(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    )
    try:
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert response.headers["retry-after"]
        # Any page that needs the database says "busy, retry", never a stack trace.
        api = await client.get("/api/v1/me", headers={"Authorization": "Bearer lt_x"})
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "unavailable"
    finally:
        pg_cluster.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert (await client.get("/healthz")).status_code == 200
