"""(1) The opt-out upload, `POST /imports/optouts?channel=SMS`, and (2) the contact import,
`POST /imports/contacts?groupId=...`: a file of `rows` numbers streamed in, the report read.
Each run goes to a fresh account of an organization of its own (nothing opted out, no contact),
with a file of its own (bench/bulk/files.py). Baseline: the same file normalised with
`phonenumbers`, then COPYed in (bench/bulk/baseline.py). The two take turns, API first, after a
warm-up of each on a small file of other numbers; after every run what it wrote is vacuumed and
checkpointed. Every report must count the file's rows as they are, and the database must hold
them, on both sides."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import orjson

from bench import http
from bench.bulk import baseline, client, files
from bench.bulk.files import RowFile
from bench.bulk.runs import (
    MISSING,
    Side,
    Sides,
    cpu_figures,
    describe,
    end_statements,
    mismatches,
    settle,
    unexpected,
)
from bench.dataset import CREATE_GROUP
from bench.feed import say
from bench.feed.organizations import Organization, create_organizations
from bench.figures import Figure
from bench.sender.accounts import _tenant

WARMUP_ROWS = 20_000
MAX_RATIO = 1.5
# A run is given up after this many times its baseline's time (from the warm-ups, per row): its
# target is missed by then, and a run that is worse than linear could take hours at 1M rows.
CUT_OFF_FACTOR = 5
MIN_LIMIT, WARMUP_LIMIT = 120.0, 900.0  # seconds
LIMIT_RULE = f"the larger of {MIN_LIMIT:.0f} s and {CUT_OFF_FACTOR} times the baseline's time as the warm-ups had it"


@dataclass(frozen=True)
class Target:
    """Where one run writes: a fresh account (and, for contacts, a group of it)."""

    organization_id: UUID
    account_id: UUID
    list_id: UUID
    group_id: UUID
    public: Organization | None = None  # the API's; the baseline's are ids alone
    group_public_id: str = ""


def _fresh_ids() -> Target:
    return Target(uuid4(), uuid4(), uuid4(), uuid4())


class Kind:
    name = ""  # as --only names it
    label = ""
    route = ""
    tables: tuple[str, ...] = ()  # what its runs write, on both sides
    # What the database holds of a run, on each side: (count statement, the Target field it takes).
    stored: tuple[tuple[str, str], ...] = ()
    baseline_stored: tuple[tuple[str, str], ...] = ()

    def write(self, path: Path, tails: list[str], run: int) -> RowFile:
        raise NotImplementedError

    def query(self, target: Target) -> str:
        raise NotImplementedError

    def baseline(self, dsn: str, path: Path, target: Target) -> "partial[baseline.Done]":
        raise NotImplementedError

    def wrong(self, report: dict[str, Any], file: RowFile) -> int:
        """How far the report is from what the file holds."""
        raise NotImplementedError


class OptOutUpload(Kind):
    name, label, route = "upload", "opt-out upload", "/imports/optouts"
    tables = ("opt_out_states", "opt_out_events", "bench_opt_out_states")
    stored = (
        ("SELECT count(*) FROM opt_out_states WHERE list_id = $1 AND channel = 'SMS' AND opted_out", "list_id"),
        ("SELECT count(*) FROM opt_out_events WHERE list_id = $1 AND source = 'UPLOAD'", "list_id"),
    )
    baseline_stored = (("SELECT count(*) FROM bench_opt_out_states WHERE list_id = $1", "list_id"),)

    def write(self, path: Path, tails: list[str], run: int) -> RowFile:
        return files.opt_outs(path, tails, run)

    def query(self, target: Target) -> str:
        assert target.public is not None
        return f"accountId={target.public.account_id}&channel=SMS"

    def baseline(self, dsn: str, path: Path, target: Target) -> "partial[baseline.Done]":
        return partial(baseline.opt_outs, dsn, path, target.organization_id, target.list_id)

    def wrong(self, report: dict[str, Any], file: RowFile) -> int:
        return (
            abs(report["optedOut"] - file.valid)
            + report["alreadyOptedOut"]
            + abs(report["invalidCount"] - file.invalid)
        )


class ContactImport(Kind):
    name, label, route = "contacts", "contact import", "/imports/contacts"
    tables = ("contacts", "group_members", "bench_contacts", "bench_group_members")
    stored = (
        ("SELECT count(*) FROM contacts WHERE account_id = $1", "account_id"),
        ("SELECT count(*) FROM group_members WHERE group_id = $1", "group_id"),
    )
    baseline_stored = (
        ("SELECT count(*) FROM bench_contacts WHERE account_id = $1", "account_id"),
        ("SELECT count(*) FROM bench_group_members WHERE group_id = $1", "group_id"),
    )

    def write(self, path: Path, tails: list[str], run: int) -> RowFile:
        return files.contacts(path, tails, run)

    def query(self, target: Target) -> str:
        assert target.public is not None
        return f"accountId={target.public.account_id}&groupId={target.group_public_id}"

    def baseline(self, dsn: str, path: Path, target: Target) -> "partial[baseline.Done]":
        return partial(baseline.contacts, dsn, path, target.organization_id, target.account_id, target.group_id)

    def wrong(self, report: dict[str, Any], file: RowFile) -> int:
        # http-contract.md's report; a fresh account holds no contact and no opt-out.
        unexpected = sum(report[name] for name in ("updated", "skippedOptedOut", "reset", "duplicates"))
        return abs(report["imported"] - file.valid) + unexpected + abs(len(report["invalid"]) - file.invalid)


KINDS: dict[str, Kind] = {kind.name: kind for kind in (OptOutUpload(), ContactImport())}


@dataclass(frozen=True)
class Measured:
    kind: Kind
    api: Side
    baseline: Side
    wrong: int  # rows the API's reports or tables count otherwise than the files hold
    baseline_wrong: int
    limit: float  # seconds after which an API run is given up


async def _targets(dsn: str, pepper: str, sides: Sides, count: int) -> list[Target]:
    server = sides.server
    made = []
    for organization in await create_organizations(dsn, pepper, server.host, server.port, count):
        tenant = await _tenant(dsn, organization)
        variables = {"accountId": organization.account_id, "name": "Imported"}
        group = (await http.graphql(server.host, server.port, organization.admin_key, CREATE_GROUP, variables))[
            "createGroup"
        ]
        assert not group["errors"], group
        public_group = group["group"]["id"]
        group_id = UUID(hex=public_group.split("_", 1)[1])
        made.append(
            Target(tenant.organization_id, tenant.account_id, tenant.list_id, group_id, organization, public_group)
        )
    return made


async def _stored(connection: asyncpg.Connection, statements: tuple[tuple[str, str], ...], target: Target) -> list[int]:
    return [await connection.fetchval(statement, getattr(target, key)) for statement, key in statements]


async def _api_run(
    kind: Kind, sides: Sides, connection: asyncpg.Connection, file: RowFile, target: Target, limit: float
) -> int:
    """One request; how far its report and the tables are from the file (0 if it was given up)."""
    assert target.public is not None
    url = f"{sides.server.url}{kind.route}?{kind.query(target)}"
    request = partial(client.request, "POST", url, target.public.admin_key, file.path, keep=True, limit=limit)
    answer = await sides.on_server(request)
    if answer.status == client.CUT_OFF:
        await end_statements(connection)
        return 0
    if answer.status != 200:
        raise unexpected(answer, kind.route)
    wrong = kind.wrong(orjson.loads(answer.body), file)
    return wrong + sum(abs(count - file.valid) for count in await _stored(connection, kind.stored, target))


async def _baseline_run(kind: Kind, sides: Sides, connection: asyncpg.Connection, dsn: str, file: RowFile) -> int:
    target = _fresh_ids()
    done = await sides.in_baseline(kind.baseline(dsn, file.path, target))
    stored = await _stored(connection, kind.baseline_stored, target)
    return abs(done.rows - file.valid) + abs(done.invalid - file.invalid) + sum(abs(n - file.valid) for n in stored)


async def measure(
    kind: Kind,
    sides: Sides,
    connection: asyncpg.Connection,
    dsn: str,
    pepper: str,
    folder: Path,
    *,
    seed: int,
    repeats: int,
) -> Measured | str:
    """The measured runs, or why there are none (the route is not there)."""
    rows = sides.api.rows
    targets = await _targets(dsn, pepper, sides, repeats + 1)
    warm_file = kind.write(folder / f"{kind.name}-warmup.csv", files.numbers(min(rows, WARMUP_ROWS), seed + 1), 0)
    warm = targets.pop()
    assert warm.public is not None
    url = f"{sides.server.url}{kind.route}?{kind.query(warm)}"
    request = partial(client.request, "POST", url, warm.public.admin_key, warm_file.path, keep=True, limit=WARMUP_LIMIT)
    answer = await sides.on_server(request, record=False)
    if answer.status in MISSING:
        return f"POST {kind.route} answered {answer.status} (the route is not there yet): the {kind.label} is skipped"
    if answer.status == client.CUT_OFF:
        say(f"  the warm-up was given up after {WARMUP_LIMIT:.0f} s")
        await end_statements(connection)
    elif answer.status != 200:
        raise unexpected(answer, kind.route)
    floor = await sides.in_baseline(kind.baseline(dsn, warm_file.path, _fresh_ids()), record=False)
    limit = max(MIN_LIMIT, CUT_OFF_FACTOR * floor.seconds * rows / warm_file.rows)
    warm_file.path.unlink()
    await settle(connection, kind.tables)

    tails = files.numbers(rows, seed)
    wrong = baseline_wrong = 0
    for run, target in enumerate(targets):
        file = kind.write(folder / f"{kind.name}-{run}.csv", tails, run)
        wrong += await _api_run(kind, sides, connection, file, target, limit)
        cut = f" (given up after {limit:.0f} s)" if sides.api.cut_off else ""
        say("  " + describe(f"run {run + 1}/{repeats}, API{cut}", sides.api.seconds[-1], rows))
        await settle(connection, kind.tables)
        baseline_wrong += await _baseline_run(kind, sides, connection, dsn, file)
        steps = {name: f"{seconds[-1]:.2f} s" for name, seconds in sides.baseline.steps.items()}
        say("  " + describe(f"run {run + 1}/{repeats}, baseline", sides.baseline.seconds[-1], rows, steps))
        await settle(connection, kind.tables)
        file.path.unlink()
        if sides.api.cut_off:
            break  # another run would be given up as well, after as long
    say(f"  rows counted or stored unlike the files: {wrong} (API), {baseline_wrong} (baseline)")
    return Measured(kind, sides.api, sides.baseline, wrong, baseline_wrong, limit)


def figures(measured: Measured) -> list[Figure]:
    kind, api, floor = measured.kind, measured.api, measured.baseline
    vs = "(vs phonenumbers + COPY)"
    given_up = [mismatches(f"{kind.label}: runs given up at {measured.limit:.0f} s ({LIMIT_RULE})", api.cut_off)]
    cut = ", at most" if api.cut_off else ""
    return [
        Figure(
            f"{kind.label}, {api.rows:,} rows: rows/s{cut} {vs}", "/s", api.rate, floor.rate, True, max_ratio=MAX_RATIO
        ),
        *cpu_figures(kind.label, api, floor, "the baseline's process", vs),
        mismatches(
            f"{kind.label}: rows counted or stored unlike the files (both sides)",
            measured.wrong + measured.baseline_wrong,
        ),
        *(given_up if api.cut_off else []),
    ]
