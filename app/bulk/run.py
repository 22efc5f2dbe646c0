"""Running a bulk command (app/bulk/commands.py) one way or the other: against a server, through
app/bulk/remote.py, or on the database in one unit of work, through the functions the routes
call. A file written with `--output` appears whole or not at all."""

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import IO, Any, BinaryIO, TypeVar

from app import ids
from app.auth.actor import Actor
from app.bulk import remote
from app.bulk.commands import Target, contact_summary, opt_out_summary, print_report, route_params, target_of
from app.bulk.contact_import import ImportOptions, import_contacts
from app.bulk.exports import EXPORTS, export_bytes, writer_for
from app.bulk.optout_upload import upload_opt_outs
from app.bulk.params import GivenParams
from app.bulk.progress import Progress
from app.bulk.reading import DelimitedReader
from app.bulk.scrub import SPOOL_IN_MEMORY_BYTES, Mode, scrub_file
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, Role

CHUNK = 256 * 1024
T = TypeVar("T")
InUnit = Callable[[Callable[[UnitOfWork], Awaitable[T]]], T]


def size_of(file: BinaryIO) -> int | None:
    try:
        return os.fstat(file.fileno()).st_size or None
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _input(path: str) -> Iterator[BinaryIO]:
    with open(path, "rb") if path != "-" else contextlib.nullcontext(sys.stdin.buffer) as file:
        yield file


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[IO[bytes]]:
    """stdout, or a file that appears under its name only once it is whole. A path that is no
    regular file (/dev/null, a pipe) is written as it is: replacing it would replace the device."""
    if path is None or path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "wb") as device:
            yield device
        return
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".stoplist-", delete=False) as part:
        try:
            yield part
        except BaseException:
            part.close()
            os.unlink(part.name)
            raise
    os.replace(part.name, path)


async def _chunks(file: BinaryIO, progress: Progress, reader: DelimitedReader) -> AsyncIterator[bytes]:
    while chunk := file.read(CHUNK):
        before = reader.records
        yield chunk
        progress.advance(rows=reader.records - before, bytes_read=len(chunk))


def _actor(target: Target, role: Role) -> Actor:
    # The operator acts for the organization named, with the role the route asks of a key.
    assert target.organization is not None
    return Actor(organization_id=ids.decode("Organization", target.organization, field="org"), role=role)


def _reader(args: argparse.Namespace) -> DelimitedReader:
    return DelimitedReader(encoding=args.encoding, delimiter=args.delimiter)


def _import_work(
    args: argparse.Namespace, actor: Actor, file: BinaryIO, progress: Progress
) -> Callable[[UnitOfWork], Awaitable[dict[str, Any]]]:
    account_id = ids.decode("Account", args.account, field="account")
    reader = _reader(args)
    if args.action == "optouts":
        channels = [Channel(channel) for channel in args.channel]

        async def upload(unit: UnitOfWork) -> dict[str, Any]:
            chunks = _chunks(file, progress, reader)
            return (await upload_opt_outs(unit, actor, account_id, channels, args.reason, reader, chunks)).to_json()

        return upload
    options = ImportOptions(
        group_id=ids.decode("Group", args.group, field="group") if args.group else None,
        reset_opt_outs=args.reset_opt_outs,
        consent_evidence=args.consent_evidence,
        dry_run=args.dry_run,
    )

    async def contacts(unit: UnitOfWork) -> dict[str, Any]:
        chunks = _chunks(file, progress, reader)
        return (await import_contacts(unit, actor, account_id, options, reader, chunks)).to_json()

    return contacts


def run_import(args: argparse.Namespace, in_unit: InUnit[dict[str, Any]]) -> None:
    target = target_of(args)
    with _input(args.file) as file:
        progress = Progress(size_of(file))
        if (remote_target := target.remote) is not None:
            method, path, params = route_params(args)
            with remote.call(*remote_target, method, path, params, file=file, progress=progress) as answer:
                report = json.loads(answer.read())
        else:
            report = in_unit(_import_work(args, _actor(target, Role.WRITER), file, progress))
    progress.done()
    summary = opt_out_summary if args.action == "optouts" else contact_summary
    print_report(report, as_json=args.json, summary=summary)


def run_scrub(args: argparse.Namespace, in_unit: InUnit[dict[str, int]]) -> None:
    target = target_of(args)
    with _input(args.file) as file, _output(args.output) as out:
        progress = Progress(size_of(file))
        if (remote_target := target.remote) is not None:
            method, path, params = route_params(args)
            with remote.call(*remote_target, method, path, params, file=file, progress=progress) as answer:
                for chunk in answer.iter_bytes():
                    out.write(chunk)
                counts = {
                    name: int(answer.headers.get(f"x-stoplist-{name}", 0)) for name in ("kept", "suppressed", "invalid")
                }
        else:
            counts = in_unit(_scrub_work(args, _actor(target, Role.READER), file, out, progress))
        progress.done()
    print(
        f"{counts['kept']:,} kept, {counts['suppressed']:,} suppressed, {counts['invalid']:,} without a token to check",
        file=sys.stderr,
    )


def _scrub_work(
    args: argparse.Namespace, actor: Actor, file: BinaryIO, out: IO[bytes], progress: Progress
) -> Callable[[UnitOfWork], Awaitable[dict[str, int]]]:
    account_id = ids.decode("Account", args.account, field="account")
    reader = _reader(args)

    async def scrub(unit: UnitOfWork) -> dict[str, int]:
        # Scrubbed into a spool first: a file that fails midway leaves no part of it behind.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
            counts = await scrub_file(
                unit,
                actor,
                account_id,
                Channel(args.channel),
                Mode(args.mode),
                spool,
                reader,
                _chunks(file, progress, reader),
                column=args.column,
            )
            spool.seek(0)
            while chunk := spool.read(CHUNK):
                out.write(chunk)
        return {"kept": counts.kept, "suppressed": counts.suppressed, "invalid": counts.invalid}

    return scrub


def run_export(args: argparse.Namespace, in_unit: InUnit[None]) -> None:
    target = target_of(args)
    with _output(args.output) as out:
        progress = Progress(None)
        if (remote_target := target.remote) is not None:
            method, path, params = route_params(args)
            with remote.call(*remote_target, method, path, params) as answer:
                for chunk in answer.iter_bytes():
                    out.write(chunk)
                    progress.advance(rows=chunk.count(b"\n"), bytes_read=len(chunk))
        else:
            in_unit(_export_work(args, _actor(target, Role.READER), out, progress))
        progress.done()


def _export_work(
    args: argparse.Namespace, actor: Actor, out: IO[bytes], progress: Progress
) -> Callable[[UnitOfWork], Awaitable[None]]:
    export = EXPORTS[args.kind](GivenParams(route_params(args)[2]), actor)

    async def write(unit: UnitOfWork) -> None:
        await export.check(unit)
        chunks = export_bytes(unit, export, writer_for(export, args.format), on_rows=_counter(progress))
        async for chunk in chunks:
            out.write(chunk)

    return write


def _counter(progress: Progress) -> Callable[[int], None]:
    return lambda rows: progress.advance(rows=rows, bytes_read=0)
