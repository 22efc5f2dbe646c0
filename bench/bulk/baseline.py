"""The baselines, run in bench/load.py's child process as the HTTP side is: the floor of each job,
written straightforwardly in plain Python over asyncpg.

- Imports: read the file with the csv module and normalise every number with `phonenumbers`
  (parse in the account's country, is it possible, format E.164: what app/tokens does beyond its
  fast path), building the rows; then, as a second step, one COPY of them
  (`copy_records_to_table`) into tables made `LIKE` the app's (indexes included), which grow run
  after run as the app's do. The time is the sum of the two steps.
- Export: `COPY (the audience query) TO STDOUT` (copy_from_query), into a sink that counts lines.
- Scrub: the csv module reads the file, a set of the opted-out cells is looked up, and csv writes
  the rows kept to /dev/null: one process, no database."""

import asyncio
import csv
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import orjson
import phonenumbers

from bench import cpu

COUNTRY = "NL"  # every benchmark account's default country
STATE_COLUMNS = ["organization_id", "list_id", "channel", "token", "token_type", "opted_out", "since", "reason"]
CONTACT_COLUMNS = ["id", "organization_id", "account_id", "msisdn", "email", "first_name", "last_name", "custom_fields"]
MEMBER_COLUMNS = ["organization_id", "group_id", "contact_id", "msisdn", "email"]
# The baseline's tables, each shaped like the app's own.
TABLES = {
    "bench_opt_out_states": "opt_out_states",
    "bench_contacts": "contacts",
    "bench_group_members": "group_members",
}


@dataclass(frozen=True)
class Done:
    seconds: float  # of the whole job; for the imports the sum of `steps`
    cpu: float  # this process's CPU seconds over it
    database_cpu: float  # its PostgreSQL backend's
    rows: int  # rows written, or read
    invalid: int = 0
    removed: int = 0  # the scrub's opted-out rows
    steps: dict[str, float] = field(default_factory=dict)  # seconds of each step
    first_byte: float = 0.0  # the export: seconds to COPY's first row
    body: bytes = b""  # the export, when kept


async def create_tables(connection: asyncpg.Connection) -> None:
    for table, like in TABLES.items():
        await connection.execute(f"CREATE TABLE IF NOT EXISTS {table} (LIKE {like} INCLUDING ALL)")


def e164(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, COUNTRY)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def _backend_cpu(connection: asyncpg.Connection) -> float:
    # Read before the connection closes: then the backend, and its CPU time, are gone.
    return cpu.tree_seconds(connection.get_server_pid())


def _normalised_copy(
    dsn: str,
    path: Path,
    tables: Sequence[tuple[str, list[str]]],
    row: Callable[[list[str]], tuple[tuple[Any, ...], ...] | None],
) -> Done:
    """Each data row of `path` made by `row` into a record for each of `tables` (None: invalid),
    then each table's records COPYed in."""

    async def main() -> Done:
        connection = await asyncpg.connect(dsn)
        try:
            process_started, started = time.process_time(), time.perf_counter()
            records: list[list[tuple[Any, ...]]] = [[] for _ in tables]
            invalid = 0
            with open(path, newline="", encoding="utf-8") as file:
                reader = csv.reader(file)
                next(reader)  # the header
                for fields in reader:
                    made = row(fields)
                    if made is None:
                        invalid += 1
                        continue
                    for kept, record in zip(records, made, strict=True):
                        kept.append(record)
            normalised = time.perf_counter() - started
            for (table, columns), rows in zip(tables, records, strict=True):
                await connection.copy_records_to_table(table, records=rows, columns=columns)
            seconds = time.perf_counter() - started
            steps = {"phonenumbers": normalised, "COPY": seconds - normalised}
            process_cpu = time.process_time() - process_started
            return Done(seconds, process_cpu, await _backend_cpu(connection), len(records[0]), invalid, steps=steps)
        finally:
            await connection.close()

    return asyncio.run(main())


def opt_outs(dsn: str, path: Path, organization_id: UUID, list_id: UUID) -> Done:
    """The upload's floor: a state row per number, as a fresh list receives it."""
    since = datetime.now(UTC)

    def row(fields: list[str]) -> tuple[tuple[Any, ...], ...] | None:
        token = e164(fields[0])
        return None if token is None else ((organization_id, list_id, "SMS", token, "MSISDN", True, since, None),)

    return _normalised_copy(dsn, path, [("bench_opt_out_states", STATE_COLUMNS)], row)


def contacts(dsn: str, path: Path, organization_id: UUID, account_id: UUID, group_id: UUID) -> Done:
    """The import's floor: a contact (`city` in its custom fields) and its membership of the group."""

    def row(fields: list[str]) -> tuple[tuple[Any, ...], ...] | None:
        phone, email, first_name, last_name, city = fields
        token = e164(phone)
        if token is None:
            return None
        address = email.strip().lower() or None
        contact_id = uuid4()
        custom = orjson.dumps({"city": city}).decode()
        return (
            (contact_id, organization_id, account_id, token, address, first_name, last_name, custom),
            (organization_id, group_id, contact_id, token, address),
        )

    tables = [("bench_contacts", CONTACT_COLUMNS), ("bench_group_members", MEMBER_COLUMNS)]
    return _normalised_copy(dsn, path, tables, row)


def copy_out(dsn: str, query: str, arguments: Sequence[Any], *, keep: bool = False) -> Done:
    """`COPY (query) TO STDOUT` in CSV with a header, counted and dropped (kept if `keep`)."""

    async def main() -> Done:
        connection = await asyncpg.connect(dsn)
        kept: list[bytes] = []
        lines = 0
        first = 0.0
        try:
            process_started, started = time.process_time(), time.perf_counter()

            async def sink(chunk: bytes) -> None:
                nonlocal lines, first
                first = first or time.perf_counter() - started
                lines += chunk.count(b"\n")
                if keep:
                    kept.append(chunk)

            await connection.copy_from_query(query, *arguments, output=sink, format="csv", header=True)
            seconds = time.perf_counter() - started
            return Done(
                seconds,
                time.process_time() - process_started,
                await _backend_cpu(connection),
                lines - 1,
                first_byte=first,
                body=b"".join(kept),
            )
        finally:
            await connection.close()

    return asyncio.run(main())


def scrub(path: Path, suppressed: set[str], column: int) -> Done:
    """The rows of `path` whose `column` is not in `suppressed`, written by csv to /dev/null."""
    process_started, started = time.process_time(), time.perf_counter()
    rows = removed = 0
    with open(path, newline="", encoding="utf-8") as source, open(os.devnull, "w", encoding="utf-8") as sink:
        reader = csv.reader(source)
        writer = csv.writer(sink, lineterminator="\r\n")
        writer.writerow(next(reader))
        for fields in reader:
            rows += 1
            if fields[column] in suppressed:
                removed += 1
            else:
                writer.writerow(fields)
    return Done(time.perf_counter() - started, time.process_time() - process_started, 0.0, rows, removed=removed)
