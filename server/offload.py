"""CPU-bound work off the event loop, with a time limit: past it the request gets a clear
answer and the loop never waited.

- ``run``: a worker thread (at most ``WORKERS`` at a time), for work that needs the
  request (drawing a page). A thread shares the interpreter's lock, so C-heavy parsing
  there still slows the loop; and it cannot be stopped.
- ``in_process``: a separate process (a small pool, started on first use), for parsing
  untrusted files: it does not share the lock, and on a time-out its process is
  terminated and the pool replaced. Arguments and results cross by pickling.

Inputs are still bounded before they get here (the bulk upload checks a workbook's
inflated sizes first).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

import anyio
import anyio.to_thread

from .errors import AppError
from .i18n import N_

P = ParamSpec("P")
T = TypeVar("T")

WORKERS = 4
PROCESSES = 2
_limiter: anyio.CapacityLimiter | None = None
_pool: ProcessPoolExecutor | None = None


class TookTooLong(AppError):
    status = 422
    code = "took_too_long"
    message = N_("This took too long to process. Try a smaller file.")


def _workers() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:  # created inside the running loop, on first use
        _limiter = anyio.CapacityLimiter(WORKERS)
    return _limiter


async def run(seconds: float, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` in a worker thread; ``TookTooLong`` after ``seconds``."""
    try:
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(
                lambda: func(*args, **kwargs), abandon_on_cancel=True, limiter=_workers()
            )
    except TimeoutError:
        raise TookTooLong() from None


def _processes() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # "spawn": a fresh interpreter, not a fork of a process with threads and sockets.
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context)
    return _pool


def _discard_pool() -> None:
    """Stop the pool's processes now (a runaway task cannot be cancelled otherwise)."""
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """At the server's stop: end the worker processes."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


async def in_process(seconds: float, func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` (a module-level function, picklable arguments) in a worker process;
    ``TookTooLong`` after ``seconds``, and that process is terminated."""
    loop = asyncio.get_running_loop()
    try:
        future = loop.run_in_executor(_processes(), func, *args)
        return await asyncio.wait_for(future, seconds)
    except TimeoutError:
        _discard_pool()
        raise TookTooLong() from None
    except BrokenProcessPool:
        _discard_pool()
        raise TookTooLong() from None
