"""`./dev bench bulk`: issue 10's bulk routes at a million rows: the opt-out upload and the contact
import against phonenumbers plus a raw COPY, the audience export against COPY TO STDOUT (with the
server's peak memory), and the scrub. See docs/BENCHMARKS.md, "Bulk data"."""
