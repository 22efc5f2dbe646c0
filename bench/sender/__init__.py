"""`./dev bench sender`: the sender tools of issue 9 under load: prepareMessages of 1,000 fresh
numbers, half of them minted an opt-out link, against the same work done in plain Python and SQL;
and the RFC 8058 one-click `POST /o/{code}` against a GraphQL optOut. See docs/BENCHMARKS.md,
"Sender tools"."""
