"""The command line: ``python -m server COMMAND``.

migrate  apply the committed migrations and load the provinces, wards and police units
         (--check: only list the pending ones; exit status 1 if there are any)
demo     load the demo data into an empty database (needs DEMO=1)
serve    serve with uvicorn on HOST:PORT (WORKERS processes, default 1)
run      migrate, demo (when DEMO is on), print the demo accounts, serve
purge    reduce guests' personal data to statistics after RETENTION_DAYS (--dry-run counts)
rollups  recompute the reports' running totals from the declarations (a repair)
backup PATH
         a consistent copy of the live database into the new folder PATH, with a manifest
restore PATH
         restore the backup in PATH into an empty database and check it (--force: replace)
verify-receipt CODE
         check a receipt's verification code (from its QR code) against the receipt key
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from types import FrameType
from typing import Any

from . import settings as settings_module


async def _migrate(settings: settings_module.Settings) -> dict[str, int]:
    from tortoise import Tortoise

    from . import db, jurisdictions
    from .reports import rollups

    await db.migrate(settings)
    await db.connect(settings)
    try:
        added = await jurisdictions.load()
        counted = await rollups.fill_if_missing()
        if counted is not None:
            print(f"Report totals built from {counted} declarations.")
        await db.refresh_statistics()
        return added
    finally:
        await Tortoise.close_connections()


async def _demo(settings: settings_module.Settings) -> bool:
    from tortoise import Tortoise

    from . import db, demo

    await db.connect(settings)
    try:
        return await demo.load(str(settings.demo_password))
    finally:
        await Tortoise.close_connections()


def migrate(settings: settings_module.Settings) -> None:
    added = asyncio.run(_migrate(settings))
    print(
        "Database migrated. Added {provinces} provinces, {wards} wards, "
        "{police_units} police units.".format(**added)
    )


def demo(settings: settings_module.Settings) -> None:
    from .demo import ACCOUNTS

    if not settings.demo:
        sys.exit("Refusing to load demo data: DEMO is off.")
    loaded = asyncio.run(_demo(settings))
    print("Demo data loaded." if loaded else "Database not empty: demo data left as it was.")
    print(f"Demo accounts (password: {settings.demo_password}):")
    for account in ACCOUNTS:
        print(f"  {account.username:<10} {account.role.value}")


async def _purge(settings: settings_module.Settings, dry_run: bool) -> str:
    from tortoise import Tortoise

    from . import db
    from .purge import purge as run_purge

    await db.connect(settings)
    try:
        result = await run_purge(settings.retention_days, dry_run=dry_run)
        if not dry_run:
            await db.refresh_statistics()
    finally:
        await Tortoise.close_connections()
    verb = "Would purge" if dry_run else "Purged"
    cutoff = f"{result.cutoff:%Y-%m-%d %H:%M}"
    return f"{verb} {result.declarations} declarations whose stay ended before {cutoff} UTC."


async def _rollups(settings: settings_module.Settings) -> int:
    from tortoise import Tortoise

    from . import db
    from .reports import rollups

    await db.connect(settings)
    try:
        return await rollups.rebuild_all()
    finally:
        await Tortoise.close_connections()


def _backup(settings: settings_module.Settings, path: str, force: bool, restoring: bool) -> None:
    from pathlib import Path

    from . import backup

    try:
        if restoring:
            manifest = asyncio.run(backup.restore(settings, Path(path), force=force))
            verb = "Restored and checked"
        else:
            manifest = asyncio.run(backup.backup(settings, Path(path)))
            verb = "Backed up"
    except backup.BackupError as failed:
        sys.exit(f"{'Restore' if restoring else 'Backup'} failed: {failed}")
    tables = manifest["tables"]
    print(
        f"{verb} {len(tables)} tables, {tables.get('declaration', {}).get('rows', 0)} "
        f"declarations (backup of {manifest['started_at']}): {path}"
    )


def check_migrations(settings: settings_module.Settings) -> int:
    """Exit status 1 when migrations are pending (an operator's check before serving)."""
    from . import db

    pending = asyncio.run(db.pending_migrations(settings))
    if not pending:
        print("No migrations pending.")
        return 0
    print(f"{len(pending)} migrations pending (run: luutru migrate):")
    for name in pending:
        print(f"  {name}")
    return 1


def verify_receipt(settings: settings_module.Settings, code: str) -> int:
    """Exit status 0 when the code is genuine, 1 when it is not."""
    from .receipts.documents import key_set

    claim = key_set(settings.receipt_key_file, settings.receipt_retired_keys).verify(code)
    if claim is None:
        print("NOT GENUINE: the signature does not match this system's receipt key.")
        return 1
    print("GENUINE")
    for name, value in vars(claim).items():
        print(f"  {name}: {value}")
    return 0


def _stop_streams_on_exit(app: Any) -> None:
    """Open live-queue streams end within a poll when uvicorn is asked to stop, instead of
    holding the shutdown until its last-resort timeout."""
    import uvicorn

    stop = uvicorn.Server.handle_exit

    def handle_exit(self: uvicorn.Server, sig: int, frame: FrameType | None) -> None:
        app.state.stopping = True
        stop(self, sig, frame)

    uvicorn.Server.handle_exit = handle_exit  # type: ignore[method-assign]


def app_from_environment() -> Any:
    """The application of one worker process (``WORKERS`` > 1): uvicorn imports this."""
    from .app import create_app

    app = create_app(settings_module.load())
    _stop_streams_on_exit(app)
    return app


def uvicorn_options(settings: settings_module.Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        # Behind a TLS proxy every client would have the proxy's address (and one person's
        # failures would throttle everyone): trust X-Forwarded-For from the proxy only.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
        # A last resort: the live-queue streams end by themselves (above).
        "timeout_graceful_shutdown": 5,
        # An idle connection is kept longer than the proxy keeps its own to us (nginx:
        # 60 s): with uvicorn's 5 s, the proxy could send a request on a connection the
        # server had just closed, and answer a hotel's batch 502.
        "timeout_keep_alive": settings.keep_alive_seconds,
        # uvicorn's access line prints the whole URL, searches included: ours names the
        # route only (logs.RequestLog).
        "access_log": False,
        # JSON logs: uvicorn's loggers propagate to the root handler (logs.configure).
        **({"log_config": None} if settings.log_format == "json" else {}),
    }


def serve(settings: settings_module.Settings) -> None:
    import uvicorn

    options = uvicorn_options(settings)
    print(
        f"Serving on http://{settings.host}:{settings.port} with {settings.workers} "
        f"process(es)  (Ctrl-C to stop)",
        flush=True,
    )
    if settings.workers > 1:
        # Several processes share the port; each has its own connection pool, and
        # everything they share (sessions, sign-in failures, counters) is in the database.
        # Their metrics meet in prometheus-client's files (set before a worker imports it).
        # The folder is made for this start and removed when the workers have ended
        # (one set up by the operator is theirs to keep).
        import shutil
        import tempfile

        made = None
        if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
                prefix="luutru-metrics-"
            )
        try:
            uvicorn.run(
                "server.__main__:app_from_environment",
                factory=True,
                workers=settings.workers,
                **options,
            )
        finally:
            if made:
                shutil.rmtree(made, ignore_errors=True)
        return
    from .app import create_app

    app = create_app(settings)
    _stop_streams_on_exit(app)
    uvicorn.Server(uvicorn.Config(app, **options)).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command",
        choices=[
            "migrate", "demo", "serve", "run", "purge", "rollups", "backup", "restore",
            "verify-receipt",
        ],
    )  # fmt: skip
    parser.add_argument(
        "code", nargs="?", help="verify-receipt: the code to check; backup, restore: the folder"
    )
    parser.add_argument("--dry-run", action="store_true", help="purge: only count")
    parser.add_argument("--check", action="store_true", help="migrate: only list pending ones")
    parser.add_argument("--force", action="store_true", help="restore: replace a database")
    args = parser.parse_args(argv)
    try:
        settings = settings_module.load()
    except settings_module.SettingsError as exc:
        sys.exit(f"Configuration error: {exc}")
    if args.command == "purge":
        print(asyncio.run(_purge(settings, args.dry_run)))
        return
    if args.command == "rollups":
        counted = asyncio.run(_rollups(settings))
        print(f"Report totals rebuilt from {counted} declarations.")
        return
    if args.command in ("backup", "restore"):
        if not args.code:
            sys.exit(f"{args.command} needs a folder: luutru {args.command} PATH")
        _backup(settings, args.code, args.force, restoring=args.command == "restore")
        return
    if args.command == "migrate" and args.check:
        sys.exit(check_migrations(settings))
    if args.command == "verify-receipt":
        if not args.code:
            sys.exit("verify-receipt needs the code printed under the receipt's QR code")
        sys.exit(verify_receipt(settings, args.code))
    if args.command in ("migrate", "run"):
        migrate(settings)
    if args.command == "demo" or (args.command == "run" and settings.demo):
        demo(settings)
    if args.command in ("serve", "run"):
        try:
            serve(settings)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
