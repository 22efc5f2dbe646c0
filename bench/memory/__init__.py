"""`./dev bench memory`: what the periodic full garbage collection (`STOPLIST_GC_INTERVAL_SECONDS`,
app/memory.py) buys and costs: the server's RSS over rounds of WebSocket connections opened and
dropped, and optOut latency, each against a server with the collection off, measured in the same
run. See docs/BENCHMARKS.md, "Memory"."""
