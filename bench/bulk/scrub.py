"""(4) The scrub, `POST /scrub?channel=SMS&mode=remove`: a campaign file of one row per number of
the tenant bench/dataset.py loads (six columns, 10% of the numbers opted out), streamed in, the
scrubbed file read to the end. Its figure is rows a second against the target; beside it, for
scale, the same file read with Python's csv module, each phone cell looked up in a set of the
opted-out cells and the rows kept written by csv (bench/bulk/baseline.py). The two take turns
after a warm-up of each on a small file; every answer's counts (headers X-Stoplist-Kept,
-Suppressed and -Invalid) and rows must be what the file holds, and the baseline must remove as
many."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from bench.bulk import baseline, client, files
from bench.bulk.client import Answer
from bench.bulk.files import RowFile
from bench.bulk.runs import MISSING, Side, Sides, cpu_figures, describe, mismatches, unexpected
from bench.dataset import CHANNEL, OPTED_OUT_SHARE, Dataset, Tenant
from bench.feed import say
from bench.figures import Figure

MIN_ROWS_PER_SECOND = 200_000
PHONE_COLUMN = 3  # of files.recipients' rows
WARMUP_ROWS = 20_000


@dataclass(frozen=True)
class Measured:
    api: Side
    baseline: Side
    wrong: int  # counts or rows of the answers unlike the file's, and the baseline's


def _wrong(answer: Answer, file: RowFile) -> int:
    counts = {name: int(answer.headers.get(f"x-stoplist-{name}", -1)) for name in ("kept", "suppressed", "invalid")}
    suppressed = len(file.suppressed)
    return (
        abs(counts["suppressed"] - suppressed)
        + abs(counts["invalid"] - file.invalid)
        + abs(counts["kept"] - (file.valid - suppressed))
        + abs(answer.lines - 1 - (file.rows - suppressed))  # a header, then every row kept
    )


async def measure(sides: Sides, tenant: Tenant, dataset: Dataset, folder: Path, *, repeats: int) -> Measured | str:
    """The measured runs, or why there are none (the route is not there)."""
    params = {"accountId": tenant.account_public_id, "channel": CHANNEL, "mode": "remove"}
    url = f"{sides.server.url}/scrub?{urlencode(params)}"
    numbers, opted_out = dataset.msisdns, dataset.opted_out

    # The last style of the rotation: the first runs write none of its cells as the warm-up does.
    warm_file = files.recipients(folder / "scrub-warmup.csv", numbers[-WARMUP_ROWS:], opted_out, files.STYLES - 1)
    answer = await sides.on_server(partial(client.request, "POST", url, tenant.admin_key, warm_file.path), record=False)
    if answer.status in MISSING:
        return f"POST /scrub answered {answer.status} (the route is not there yet): the scrub is skipped"
    if answer.status != 200:
        raise unexpected(answer, "POST /scrub")
    wrong = _wrong(answer, warm_file)
    await sides.in_baseline(partial(baseline.scrub, warm_file.path, warm_file.suppressed, PHONE_COLUMN), record=False)
    warm_file.path.unlink()

    for run in range(repeats):
        file = files.recipients(folder / f"scrub-{run}.csv", numbers, opted_out, run)
        answer = await sides.on_server(partial(client.request, "POST", url, tenant.admin_key, file.path))
        if answer.status != 200:
            raise unexpected(answer, "POST /scrub")
        wrong += _wrong(answer, file)
        say("  " + describe(f"run {run + 1}/{repeats}, API", answer.seconds, file.rows))
        done = await sides.in_baseline(partial(baseline.scrub, file.path, file.suppressed, PHONE_COLUMN))
        wrong += abs(done.removed - len(file.suppressed))
        say("  " + describe(f"run {run + 1}/{repeats}, csv + set", done.seconds, file.rows))
        file.path.unlink()
    say(f"  counts or rows unlike the files: {wrong}")
    return Measured(sides.api, sides.baseline, wrong)


def figures(measured: Measured) -> list[Figure]:
    api, plain = measured.api, measured.baseline
    name = f"scrub, {api.rows:,} rows of 6 columns, {OPTED_OUT_SHARE:.0%} opted out, mode=remove"
    return [
        Figure(
            f"{name}: rows/s (vs the target)", "/s", api.rate, MIN_ROWS_PER_SECOND, True, minimum=MIN_ROWS_PER_SECOND
        ),
        Figure("scrub: rows/s (vs csv module + set lookup, one process)", "/s", api.rate, plain.rate, True),
        *cpu_figures("scrub", api, plain, "csv module + set lookup", None),
        mismatches("scrub: counts or rows unlike the files (both sides)", measured.wrong),
    ]
