"""The change feed's counter: every change to a declaration takes the next position, so
that hotel apps (``GET /declarations?cursor=``) and live police queues see each change
exactly once, in order."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from ..models import ChangeCounter


async def take_change_numbers(conn: BaseDBAsyncClient, count: int) -> int:
    """Reserve ``count`` positions in the change feed; returns the last one. The counter
    row stays locked until the transaction commits (see ``ChangeCounter``)."""
    if conn.capabilities.dialect == "sqlite":
        sql = "UPDATE change_counter SET value = value + ? WHERE id = 1 RETURNING value"
    else:
        # The notice is delivered at commit to every process's live queue watcher
        # (police/changes.py); one statement with the update, one round trip under the lock.
        sql = (
            "WITH taken AS (UPDATE change_counter SET value = value + $1 WHERE id = 1 "
            "RETURNING value) SELECT value, pg_notify('luutru_changes', '') FROM taken"
        )
    # execute_query_dict: Tortoise's asyncpg execute_query drops rows of an UPDATE.
    rows = await conn.execute_query_dict(sql, [count])
    return int(rows[0]["value"])


async def last_change_number() -> int:
    """The last committed position of the change feed: a reader that starts after it
    misses nothing, because positions become visible in order (see ``ChangeCounter``)."""
    counter = await ChangeCounter.get_or_none(id=1)
    return counter.value if counter else 0
