"""The classroom's loopback ports (run as root, before JupyterHub starts): each must be
free, or the classroom refuses to start and names the process that holds it.

Loopback ports are open to every account on the machine: a student's process that took the
proxy's port first would receive the instructors' passwords. JupyterHub itself only notices
that its proxy failed.
"""

import errno
import random
import socket

import psutil

# What each of the classroom's three ports is for, from the hub's own (`--port`). (The practice
# service listens on a Unix socket, where no other account can take its place.)
ROLES = ["the hub", "the hub's API", "the proxy's API"]


def holder(port: int) -> str:
    """Who listens on `port` (pid, account and command line), as far as the system tells."""
    for connection in psutil.net_connections(kind="inet"):
        if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_LISTEN:
            if connection.pid is None:
                return "a process this account cannot see"
            try:
                process = psutil.Process(connection.pid)
                return f"pid {process.pid} of {process.username()}: {' '.join(process.cmdline())[:200]}"
            except psutil.Error:
                return f"pid {connection.pid}"
    return "an unknown process"


def taken(first: int, host: str = "127.0.0.1") -> list[str]:
    """One line per port of the classroom that cannot be bound, naming its holder."""
    problems = []
    for offset, role in enumerate(ROLES):
        port = first + offset
        error = bind_error(port, host)
        if error is not None:
            why = holder(port) if error.errno == errno.EADDRINUSE else error.strerror
            problems.append(f"port {port} ({role}) is taken by {why}")
    return problems


def free_run(count: int = len(ROLES), host: str = "127.0.0.1") -> int:
    """A free port whose next `count - 1` are free too: a classroom's (for tests and benchmarks)."""
    for _ in range(200):
        first = random.randint(20_000, 40_000)
        if all(bind_error(first + offset, host) is None for offset in range(count)):
            return first
    raise OSError(f"no {count} free ports in a row on {host}")


def bind_error(port: int, host: str = "127.0.0.1") -> OSError | None:
    """Why `port` cannot be bound now, or None (a closed socket's TIME_WAIT is no holder)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None
