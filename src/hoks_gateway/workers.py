"""`serve --workers N`: N uvicorn processes, each listening on a socket of its own (SO_REUSEPORT).

With one listening socket shared by all workers (uvicorn's --workers), whichever worker is awake
accepts the next connection, so keep-alive clients pile onto one worker (measured: 32/0, 29/0,
28/4 of 32 connections). With a socket per worker the kernel spreads new connections over them
by a hash of the connection's addresses (docs/operations.md, "Workers"). A worker that dies is
started again; the parent stops them all on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import socket
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

from hoks_gateway import logs
from hoks_gateway.logs import LogFormat
from hoks_gateway.one_send import OneSendHttpTools

log = logging.getLogger(__name__)

APP = "hoks_gateway.app:app_from_environment"
# What uvicorn leaves to the gateway, however it is started: whose forwarded headers count
# (HOKS_TRUSTED_PROXIES alone, client_address.py), logging (logs.py), the access log
# (access_log.py, which never writes a query string) and how an answer is written to the
# connection (one_send.py).
LEFT_TO_THE_GATEWAY: dict[str, Any] = {
    "proxy_headers": False,
    "log_config": None,
    "access_log": False,
    "http": OneSendHttpTools,
}
STOP_TIMEOUT_S = 30


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes of this user may bind too."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str, log_format: LogFormat) -> None:
    """One worker: the app (settings from the HOKS_* environment) on a socket of its own, logging
    as the parent does (a spawned process starts with no logging configured)."""
    logs.configure(log_format, log_level)
    config = uvicorn.Config(
        APP, factory=True, host=host, port=port, log_level=log_level, **LEFT_TO_THE_GATEWAY
    )
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def run_workers(
    host: str,
    port: int,
    workers: int,
    log_level: str,
    log_format: LogFormat = "text",
    exited: Callable[[int], None] | None = None,
) -> None:
    """Runs `workers` worker processes until Ctrl-C or SIGTERM (KeyboardInterrupt here); `exited`
    hears of each worker that died, by its process id."""
    context = multiprocessing.get_context("spawn")

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(host, port, log_level, log_format), daemon=False)
        process.start()
        return process

    running = [start() for _ in range(workers)]
    try:
        while True:
            wait([p.sentinel for p in running])
            for dead in [p for p in running if not p.is_alive()]:
                log.warning("worker %s exited with %s; starting another", dead.pid, dead.exitcode)
                if exited is not None and dead.pid is not None:
                    exited(dead.pid)
                running[running.index(dead)] = start()
    except KeyboardInterrupt:
        pass
    finally:
        for process in running:
            if process.is_alive():
                # SIGTERM: uvicorn shuts down gracefully (a second SIGINT after Ctrl-C would
                # make it skip that).
                process.terminate()
        for process in running:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()
