"""(3) The audience export, `GET /exports/audience?groupId=...&channel=SMS&format=csv`, of every
member of the tenant bench/dataset.py loads, streamed to /dev/null; with the server's peak RSS.
Baseline: `COPY (the audience query) TO STDOUT`, the query being bench/sql.py's copy of the page
statement of app/audiences/repository.py with a page as large as the audience. The first export
of each side warms it up and is read in full: both must hold the same tokens, each once, as many
as the dataset's members not opted out. The timed runs take turns, API first; each must return
that many rows. The server is a fresh one, so its peak RSS (VmHWM) is the exports'."""

import csv
import io
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from bench import sql
from bench.bulk import baseline, client
from bench.bulk.runs import MISSING, Side, Sides, cpu_figures, describe, mismatches, status_kib, unexpected
from bench.dataset import CHANNEL, Dataset, Tenant
from bench.feed import say
from bench.figures import Figure

MAX_RATIO = 1.5
MAX_RSS_MB = 300
TOKEN_HEADERS = ("token", "msisdn", "phone", "phonenumber")  # what the export may call its token column


@dataclass(frozen=True)
class Measured:
    members: int
    api: Side
    baseline: Side
    wrong: int  # tokens missing, extra or twice in the export, or runs of another row count
    rss_before: float  # MB, before the first export
    rss_peak: float  # MB, the server's VmHWM after the exports


def _tokens(body: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    header = [name.strip().lower() for name in next(rows)]
    column = next((header.index(name) for name in TOKEN_HEADERS if name in header), None)
    if column is None:
        raise RuntimeError(f"the export has no token column among {header}")
    return [row[column] for row in rows if row]


def _mb(kib: int) -> float:
    return kib * 1024 / 1e6


def _wrong(exported: list[str], copied: list[str], expected: int) -> int:
    return len(set(exported) ^ set(copied)) + len(exported) - len(set(exported)) + abs(len(copied) - expected)


async def measure(sides: Sides, dsn: str, tenant: Tenant, dataset: Dataset, *, repeats: int) -> Measured | str:
    """The measured runs, or why there are none (the route is not there)."""
    server = sides.server
    rss_before = _mb(status_kib(server.pid, "VmRSS"))
    params = [("accountId", tenant.account_public_id), *(("groupId", group) for group in tenant.group_public_ids)]
    url = f"{server.url}/exports/audience?" + urlencode([*params, ("channel", CHANNEL), ("format", "csv")])
    members = len(dataset.msisdns)
    expected = members - len(dataset.opted_out)
    # $1 organization, $2 list, $3 channel, $4 groups, $5 bypass groups, $6 after, $7 page size.
    arguments = [tenant.organization_id, tenant.list_id, CHANNEL, tenant.group_ids, [], "", members + 1]
    key = tenant.admin_key

    answer = await sides.on_server(partial(client.request, "GET", url, key, keep=True), record=False)
    if answer.status in MISSING:
        return f"GET /exports/audience answered {answer.status} (the route is not there yet): the export is skipped"
    if answer.status != 200:
        raise unexpected(answer, "GET /exports/audience")
    copy = partial(baseline.copy_out, dsn, sql.AUDIENCE_PAGE, arguments)
    copied = await sides.in_baseline(partial(copy, keep=True), record=False)
    exported, tokens = _tokens(answer.body), _tokens(copied.body)
    wrong = _wrong(exported, tokens, expected)
    say(
        f"  read in full: the export has {len(exported):,} rows, COPY {len(tokens):,}, the dataset {expected:,} "
        f"members not opted out; {wrong} tokens missing, extra or twice"
    )
    del answer, copied, exported, tokens

    for run in range(repeats):
        answer = await sides.on_server(partial(client.request, "GET", url, key))
        if answer.status != 200:
            raise unexpected(answer, "GET /exports/audience")
        wrong += abs(answer.lines - 1 - expected)
        say("  " + describe(f"run {run + 1}/{repeats}, API", answer.seconds, expected))
        done = await sides.in_baseline(copy)
        wrong += abs(done.rows - expected)
        say("  " + describe(f"run {run + 1}/{repeats}, COPY TO STDOUT", done.seconds, expected))
    rss_peak = _mb(status_kib(server.pid, "VmHWM"))
    say(f"  server RSS {rss_before:.0f} MB before the exports, peak {rss_peak:.0f} MB")
    return Measured(members, sides.api, sides.baseline, wrong, rss_before, rss_peak)


def figures(measured: Measured) -> list[Figure]:
    api, copy = measured.api, measured.baseline
    vs = "(vs COPY TO STDOUT)"
    return [
        Figure(
            f"audience export, {measured.members:,} members ({api.rows:,} rows out), CSV: rows/s {vs}",
            "/s",
            api.rate,
            copy.rate,
            True,
            max_ratio=MAX_RATIO,
        ),
        Figure(
            f"audience export: time to the first byte {vs}",
            "ms",
            api.first_byte * 1000,
            copy.first_byte * 1000,
            False,
        ),
        Figure(
            "audience export: server peak RSS, VmHWM (vs RSS before the first export)",
            "MB",
            measured.rss_peak,
            measured.rss_before,
            False,
            maximum=MAX_RSS_MB,
        ),
        *cpu_figures("audience export", api, copy, "the COPY's client", vs),
        mismatches("audience export: tokens missing, extra or twice, and runs of another row count", measured.wrong),
    ]
