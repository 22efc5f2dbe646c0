"""Which server process holds which client connection, from /proc (Linux only; elsewhere empty).

With `--workers N` the kernel hands each new connection to one worker: the latency run checks
that its writers and subscribers did land on every worker, rather than assuming it."""

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

_ESTABLISHED = "01"


def _family(pid: int) -> list[int]:
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += _family(int(child))
    except OSError:
        pass
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = fd.readlink().name
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def _served(port: int) -> dict[int, int]:
    """Inode of each established server-side socket on `port` -> the client's port."""
    served = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
            if state == _ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == port:
                served[inode] = int(remote.rsplit(":", 1)[1], 16)
    return served


def workers_serving(server_pid: int, server_port: int, client_ports: Iterable[int]) -> Counter[int]:
    """How many of the connections from `client_ports` each process of the server holds, by pid."""
    wanted = set(client_ports)
    served = _served(server_port)
    holders: Counter[int] = Counter()
    for pid in _family(server_pid):
        holders[pid] += sum(1 for inode in _socket_inodes(pid) if served.get(inode) in wanted)
    return +holders  # drops the processes holding none (the supervisor)
