"""Running a record's independent jobs (its two PDFs) at the same time, in forked processes.

Each PDF takes a few hundred milliseconds of layout; on a machine with two cores the two can be
made at once (make bench). A forked child inherits everything already loaded (WeasyPrint,
pyHanko, the signing key) without pickling it, and sends back only the bytes it made. Elsewhere
than Linux, or with one core, the jobs simply run one after the other.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

Job = Callable[[], bytes]


def _can_fork() -> bool:
    # Linux only: macOS offers fork too, but its system frameworks are not safe after it.
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _child(job: Job, send: Connection) -> None:
    try:
        send.send(("ok", job()))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        try:
            send.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            send.send(("error", RuntimeError(repr(exc))))
    finally:
        send.close()
        os._exit(0)  # never run the parent's exit handlers in the child


def run_jobs(jobs: Sequence[Job]) -> list[bytes]:
    """The results of `jobs`, in order; the first exception of any job is raised here."""
    if len(jobs) < 2 or not _can_fork():
        return [job() for job in jobs]
    context = multiprocessing.get_context("fork")
    children: list[tuple[Any, Connection]] = []
    for job in jobs[1:]:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(job, send), daemon=True)
        process.start()
        send.close()
        children.append((process, receive))
    results = []
    try:
        results.append(jobs[0]())
    finally:
        outcomes = []
        for process, receive in children:
            try:
                outcomes.append(receive.recv())
            except EOFError:
                outcomes.append(("error", RuntimeError("a worker process ended unexpectedly")))
            process.join()
    for status, payload in outcomes:
        if status == "error":
            raise payload
        results.append(payload)
    return results
