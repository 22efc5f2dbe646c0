"""Background work: what runs beside the requests, in `stoplist serve` (each process) and alone
in `stoplist worker`. Every worker is safe with any number of processes and across restarts:
the rows it works on are the truth, claimed with FOR UPDATE SKIP LOCKED where two processes
could pick the same one."""
