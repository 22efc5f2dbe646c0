"""The garbage collector of a server process: tuned for latency, with a periodic full
collection so that memory stays flat.

py-spy put ~30% of an optOut request's CPU in cyclic GC, mostly in full collections that
scanned every long-lived object (the schema, SQLAlchemy's caches): those are frozen out of the
collector's sight after start-up. Each request still leaves ~170 objects in reference cycles;
collecting them costs the same however they are batched, but a large generation-0 threshold
made pauses of 20-70 ms (measured with gc.callbacks) and a p99 of ~100 ms at 32 clients. 1,000
gave the best tail (p99 ~50 ms) at the same throughput.

With those settings a full collection came only after millions of allocations, so the cyclic
garbage that reached the oldest generation (a dropped WebSocket connection leaves ~10 KB of it)
stayed: RSS grew by 3 to 5 MB for every 300 connections opened and dropped. A full collection on
a timer, whatever the load, keeps it flat. Under load each is a pause of 100 to 160 ms, which
takes the place of the thresholds' own full collections (a pause of 300 to 380 ms every 25 to
35 s): every 10 s kept the p99 and shortened the tail; every 5 s reached the p99, every 30 s
paused nearly as long as none (`./dev bench memory`, docs/BENCHMARKS.md)."""

import asyncio
import gc
import logging

logger = logging.getLogger(__name__)


def tune_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(1_000, 20, 100)


async def collect_garbage_every(interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        gc.collect()
