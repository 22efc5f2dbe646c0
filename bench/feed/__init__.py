"""`./dev bench feed`: the live opt-out feed (the `optOutEvents` subscription) under load:
latency from an optOut's response to each subscriber, deliveries per second one process
sustains, and what subscribers cost the writers. See docs/BENCHMARKS.md, "Live feed"."""


def say(message: str) -> None:
    print(message, flush=True)
