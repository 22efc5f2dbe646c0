"""Messages Stoplist sends (opt-out confirmations): an outbox written in the transaction of
what causes them, sent by a worker (app/workers/outbound.py) through a pluggable sender."""
