"""`stoplist import optouts FILE`: the upload of POST /imports/optouts, straight into the
database, for an operator (no API key: the organization is named instead)."""

import argparse
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import BinaryIO

from app import ids
from app.auth.actor import Actor
from app.bulk.optout_upload import UploadReport, upload_opt_outs
from app.bulk.progress import Progress
from app.bulk.reading import DelimitedReader
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, Role

CHUNK = 256 * 1024


def add_import_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    imports = commands.add_parser("import", help="bulk imports").add_subparsers(dest="action", required=True)
    optouts = imports.add_parser(
        "optouts", help="add every number or address of a file to an account's opt-out list (source UPLOAD)"
    )
    optouts.add_argument("file", help="a token a line, or a CSV with a phone, email or token column; - for stdin")
    optouts.add_argument("--org", required=True, help="the organization (org_...)")
    optouts.add_argument("--account", required=True, help="the account (acc_...)")
    optouts.add_argument(
        "--channel", required=True, action="append", choices=[channel.value for channel in Channel], help="repeatable"
    )
    optouts.add_argument("--reason", help="kept with every opt-out")
    optouts.add_argument("--encoding", help="utf-8, utf-16 or latin-1 (default: detected)")
    optouts.add_argument("--delimiter", help="comma, semicolon, tab or pipe (default: detected)")
    optouts.add_argument("--json", action="store_true", help="print the report as JSON")


async def _chunks(file: BinaryIO, progress: Progress, reader: DelimitedReader) -> AsyncIterator[bytes]:
    while chunk := file.read(CHUNK):
        before = reader.records
        yield chunk
        progress.advance(rows=reader.records - before, bytes_read=len(chunk))


def import_opt_outs_work(
    args: argparse.Namespace, file: BinaryIO, progress: Progress
) -> Callable[[UnitOfWork], Awaitable[UploadReport]]:
    organization_id = ids.decode("Organization", args.org, field="org")
    account_id = ids.decode("Account", args.account, field="account")
    # The operator acts as a writer of the organization named: what a writer key of it could do.
    actor = Actor(organization_id=organization_id, role=Role.WRITER)
    channels = [Channel(channel) for channel in args.channel]
    reader = DelimitedReader(encoding=args.encoding, delimiter=args.delimiter)

    async def work(unit: UnitOfWork) -> UploadReport:
        return await upload_opt_outs(
            unit, actor, account_id, channels, args.reason, reader, _chunks(file, progress, reader)
        )

    return work


def size_of(file: BinaryIO) -> int | None:
    try:
        return os.fstat(file.fileno()).st_size or None
    except (OSError, ValueError):
        return None


def print_report(report: UploadReport, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    print(
        f"{report.opted_out:,} opted out, {report.already_opted_out:,} already opted out, "
        f"{report.invalid_count:,} invalid"
    )
    for bad in report.invalid:
        print(f"  line {bad.line}: {bad.message}")
