"""Long-lived worker processes that make PDFs while the main process does everything else.

Importing WeasyPrint takes about half a second and a page of layout tens of milliseconds, all in
Python, so one process cannot do it faster. A command that makes PDFs starts its workers first:
they import WeasyPrint (the `preload`) while the main process reads and checks the answers,
asks for the passphrase and imports pyHanko. Each worker then makes one document per request
and stays warm for the next (`kyphocheck sheet` sends hundreds).

The signing key never enters a worker: workers are forked before it is loaded and return
unsigned bytes; the main process signs them. Jobs go to the workers as they become free, so
however many are given only one per worker is in flight (memory stays flat). A job that fails
comes back as its exception; a worker that dies is replaced.

A worker ends with its parent, however the parent ends (SIGKILL included): it keeps only its own
end of its connection, so the parent's going is an end of file, and on Linux the kernel sends it
SIGTERM as well (the parent-death signal), which also stops a worker in the middle of a job.

Workers are forked (they start at once and inherit the loaded modules) on Linux only: macOS
frameworks are not safe after fork. Elsewhere, or with one process asked for, the jobs run in
the calling process, one after the other.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

Preload = Callable[[], None]
_WORKER_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# The parent's ends of every worker's connection in this process, whichever pool it belongs to:
# a worker forked later inherits them all and must close them (see _keep_only_own_end).
_parent_ends: weakref.WeakSet[Connection] = weakref.WeakSet()


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of a job (killed, or out of memory)."""


@dataclass(frozen=True)
class Job:
    """A call to make in a worker: a module-level function (it is pickled by name) and its args."""

    function: Callable[..., Any]
    args: tuple[Any, ...] = ()


def can_fork() -> bool:
    """Whether workers can be forked here (Linux with more than one core)."""
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def default_processes() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def _keep_only_own_end(inherited: Iterable[Connection]) -> None:
    """Close, in a new worker, the connection ends it inherited that are not its own.

    Those are its parent's end of its own connection and the parent's ends of the workers
    forked before it. While any process holds the parent's end, a worker never reads an end of
    file when the parent dies, and lives on under init (about 100 MB each).
    """
    for connection in inherited:
        connection.close()
    _parent_ends.clear()


def _die_with_parent(parent: int, from_main_thread: bool) -> None:
    """Ask Linux to send this worker SIGTERM when its parent dies; exit if it already has.

    A backstop to the end of file: it also ends a worker in the middle of a long job. The kernel
    sends the signal when the thread that forked the worker ends, so it is asked for only when
    that was the main thread (whose end is the process's). Where prctl is missing or refuses,
    the end of file alone ends the worker.
    """
    if from_main_thread and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no libc or no prctl: not fatal
            pass
    if os.getppid() != parent:  # it died before the signal was asked for: none will come
        os._exit(0)


def _serve(
    preload: Preload | None,
    connection: Connection,
    inherited: list[Connection],
    parent: int,
    from_main_thread: bool,
) -> None:
    """A worker's life: load, then answer requests until told to stop or the parent is gone."""
    _keep_only_own_end(inherited)
    _die_with_parent(parent, from_main_thread)
    # The main process decides what Ctrl-C means (save a draft, stop a batch); SIGTERM and SIGHUP
    # end a worker as they would any program, whatever handlers the parent had installed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _WORKER_SIGNALS)  # blocked by the parent to fork
    loaded: BaseException | None = None
    try:
        if preload is not None:
            preload()
    except BaseException as exc:  # noqa: BLE001 - reported with each job instead
        loaded = exc
    # What is loaded now lives as long as the worker: keep the collector from walking it, and
    # collect a job's garbage after its result is sent, not while the caller waits for it.
    gc.freeze()
    gc.disable()
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            break
        if request is None:
            break
        try:
            if loaded is not None:
                raise loaded
            reply: tuple[str, Any] = ("ok", request.function(*request.args))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            reply = ("error", _portable(exc))
        try:
            message = ForkingPickler.dumps(reply)  # as Connection.send would
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
            failure = ("error", RuntimeError(f"{type(exc).__name__}: {exc}"))
            message = ForkingPickler.dumps(failure)
        try:
            connection.send_bytes(message)
        except OSError:  # the parent is gone
            break
        del request, reply, message
        gc.collect()
    connection.close()
    os._exit(0)  # never run the parent's exit handlers in a worker


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process (its type is context-specific)
    connection: Connection
    job: int | None = None  # the index of the job it is making


@dataclass
class WorkerPool:
    """Worker processes, started by `WorkerPool.start`; use as a context manager."""

    preload: Preload | None
    workers: list[_Worker] = field(default_factory=list)
    _loaded_here: bool = False

    @classmethod
    def start(cls, processes: int, preload: Preload | None = None) -> WorkerPool:
        """Fork `processes` workers now (they begin with `preload`); 1 or no fork: none."""
        pool = cls(preload)
        if processes > 1 and can_fork():
            try:
                with interrupts_held():
                    for _ in range(processes):
                        pool.workers.append(pool._fork())
            except BaseException:  # e.g. Ctrl-C while forking: leave no worker behind
                pool.close(terminate=True)
                raise
        return pool

    @property
    def in_process(self) -> bool:
        """Whether jobs run in the calling process (no workers)."""
        return not self.workers

    def _fork(self) -> _Worker:
        context = multiprocessing.get_context("fork")
        mine, theirs = context.Pipe(duplex=True)
        inherited = [mine, *_parent_ends]
        from_main_thread = threading.current_thread() is threading.main_thread()
        args = (self.preload, theirs, inherited, os.getpid(), from_main_thread)
        process = context.Process(target=_serve, args=args, daemon=True)
        process.start()
        theirs.close()
        _parent_ends.add(mine)
        return _Worker(process, mine)

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, Any]]:
        """(index, result) of each job as it completes; a failed job's result is its exception.

        The first jobs go to the workers now, before the first result is asked for, so the
        caller can do other work meanwhile; the rest are taken from `jobs` as workers free up.
        """
        if self.in_process:
            return self._run_here(jobs)
        self._drain()
        pending = iter(enumerate(jobs))
        results: deque[tuple[int, Any]] = deque()
        self._dispatch(pending, results)
        return self._collect(pending, results)

    def _dispatch(
        self, pending: Iterator[tuple[int, Job]], results: deque[tuple[int, Any]]
    ) -> None:
        for worker in self.workers:
            if worker.job is None:
                item = next(pending, None)
                if item is None:
                    return
                worker.job = item[0]
                self._send(worker, item[1], results)

    def _collect(
        self, pending: Iterator[tuple[int, Job]], results: deque[tuple[int, Any]]
    ) -> Iterator[tuple[int, Any]]:
        while True:
            while results:
                yield results.popleft()
            busy = {w.connection: w for w in self.workers if w.job is not None}
            if not busy:
                return
            for connection in wait(list(busy)):
                results.append(self._receive(busy[connection]))  # type: ignore[index]
            self._dispatch(pending, results)

    def _drain(self) -> None:
        """Drop the results of an earlier run that its caller stopped reading."""
        for worker in self.workers:
            if worker.job is not None:
                self._receive(worker)

    def _send(self, worker: _Worker, job: Job, results: deque[tuple[int, Any]]) -> None:
        try:
            worker.connection.send(job)
        except (BrokenPipeError, ConnectionResetError):
            # It died while idle (killed, or out of memory): the job had not started, so a
            # new worker takes it.
            index = worker.job
            self._respawn(worker)
            worker.job = index
            worker.connection.send(job)

    def _receive(self, worker: _Worker) -> tuple[int, Any]:
        index = worker.job
        assert index is not None
        try:
            status, payload = worker.connection.recv()
        except (EOFError, OSError):
            code = self._respawn(worker)
            message = f"a worker process ended in the middle of a job (exit code {code})"
            return index, WorkerDied(message)
        worker.job = None
        return index, payload if status == "ok" else _as_exception(payload)

    def _respawn(self, worker: _Worker) -> int | None:
        """Put a new worker in the place of one that died; the exit code of the dead one."""
        code = _stop(worker, terminate=True)
        with interrupts_held():
            replacement = self._fork()
            worker.process, worker.connection = replacement.process, replacement.connection
            worker.job = None
        return code

    def _run_here(self, jobs: Iterable[Job]) -> Iterator[tuple[int, Any]]:
        if not self._loaded_here and self.preload is not None:
            self.preload()
        self._loaded_here = True
        for index, job in enumerate(jobs):
            try:
                yield index, job.function(*job.args)
            except Exception as exc:  # noqa: BLE001 - a failed job is a result, as in a worker
                yield index, exc

    def map(self, jobs: Iterable[Job]) -> list[Any]:
        """The results of `jobs`, in order; the first failure (in job order) is raised."""
        done = dict(self.run(jobs))
        results = [done[index] for index in range(len(done))]
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results

    def close(self, terminate: bool = False) -> None:
        """Stop the workers: let them finish their job, or (`terminate`) kill them now."""
        for worker in self.workers:
            _stop(worker, terminate=terminate or worker.job is not None)
        self.workers = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        # Leaving on an error or an interrupt must not wait for a worker still loading.
        self.close(terminate=kind is not None)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP in this thread while the block runs; they come after.

    For steps that must not be cut in two. While workers are forked and recorded: a signal then
    reaches a worker only once it ignores it (no traceback from a worker not yet set up), and
    this process only once every worker is known (none is lost). The record folder writer holds
    them likewise while it renames a record in, logs it and counts it.

    The mask is put back as it was, not cleared: a block held inside another (the folder
    writer's inside a caller's) must not let the signals through before the outer one ends.
    """
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _WORKER_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _stop(worker: _Worker, terminate: bool) -> int | None:
    if terminate:
        worker.process.terminate()
    else:
        with contextlib.suppress(OSError):
            worker.connection.send(None)
    worker.process.join()
    worker.connection.close()
    _parent_ends.discard(worker.connection)
    code: int | None = worker.process.exitcode
    return code


def _portable(exc: BaseException) -> BaseException:
    """The exception itself if it survives the trip to the parent, else its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - libraries' exceptions do not all unpickle
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _as_exception(payload: Any) -> BaseException:
    if isinstance(payload, BaseException):
        return payload
    return RuntimeError(str(payload))
