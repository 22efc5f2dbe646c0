"""`./dev bench inbound`: inbound STOPs through `POST /inbound/sms`, each queuing a signed webhook
and a confirmation SMS, and the background workers delivering both to a real HTTP receiver on
loopback. See docs/BENCHMARKS.md, "Inbound, webhooks and confirmations"."""
