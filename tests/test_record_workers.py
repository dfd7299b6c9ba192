"""Worker processes: results as they complete, failures as results, dead workers replaced,
jobs fed lazily, interrupts left to the main process, and a fallback without fork."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyphocheck.errors import InputError
from kyphocheck.record import workers
from kyphocheck.record.workers import Job, WorkerDied, WorkerPool

needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="workers are forked on Linux only")

_loaded_in: list[int] = []


# Jobs are pickled by name, so they live at module level.
def whose() -> int:
    return os.getpid()


def preloaded() -> list[int]:
    return list(_loaded_in)


def mark_loaded() -> None:
    _loaded_in.append(os.getpid())


def cannot_load() -> None:
    raise InputError("templates/print.css: cannot be read")


def fail(message: str) -> None:
    raise InputError(message)


def die() -> None:
    os._exit(3)


def wait_then(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


class Unpicklable(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"{code}: {detail}")


def raise_unpicklable() -> None:
    raise Unpicklable(7, "a library's own exception")


@needs_fork
def test_jobs_run_in_the_workers_and_map_keeps_their_order() -> None:
    with WorkerPool.start(2) as pool:
        pids = pool.map([Job(whose) for _ in range(5)])
        worker_pids = {w.process.pid for w in pool.workers}
    assert len(pids) == 5
    assert os.getpid() not in pids
    assert set(pids) <= worker_pids


@needs_fork
def test_results_come_as_they_complete() -> None:
    with WorkerPool.start(2) as pool:
        order = [index for index, _ in pool.run([Job(wait_then, (0.5, "slow")), Job(whose)])]
    assert order == [1, 0]


@needs_fork
def test_preload_runs_once_in_each_worker_before_its_jobs() -> None:
    with WorkerPool.start(2, mark_loaded) as pool:
        results = pool.map([Job(preloaded) for _ in range(4)])
    assert all(len(loaded) == 1 for loaded in results)
    assert _loaded_in == []  # not in this process


@needs_fork
def test_a_failed_preload_fails_each_job_with_its_reason() -> None:
    with WorkerPool.start(2, cannot_load) as pool:
        results = dict(pool.run([Job(whose), Job(whose)]))
    assert all(isinstance(r, InputError) and "print.css" in str(r) for r in results.values())


@needs_fork
def test_a_failed_job_is_a_result_and_the_others_complete() -> None:
    with WorkerPool.start(2) as pool:
        results = dict(pool.run([Job(fail, ("answers.inr: not a number",)), Job(whose)]))
        assert isinstance(results[0], InputError)
        assert str(results[0]) == "answers.inr: not a number"
        assert isinstance(results[1], int)
        with pytest.raises(InputError, match="answers.inr"):
            pool.map([Job(whose), Job(fail, ("answers.inr: not a number",))])


@needs_fork
def test_an_exception_that_cannot_travel_arrives_as_its_type_and_message() -> None:
    with WorkerPool.start(2) as pool:
        [(_, result)] = list(pool.run([Job(raise_unpicklable)]))
    assert isinstance(result, RuntimeError)
    assert str(result) == "Unpicklable: 7: a library's own exception"


@needs_fork
def test_a_worker_that_dies_fails_its_job_and_is_replaced() -> None:
    with WorkerPool.start(2) as pool:
        results = dict(pool.run([Job(die), Job(whose), Job(whose), Job(whose)]))
        assert isinstance(results[0], WorkerDied)
        assert "exit code 3" in str(results[0])
        assert all(isinstance(results[i], int) for i in (1, 2, 3))
        assert len(pool.workers) == 2
        assert all(w.process.is_alive() for w in pool.workers)


@needs_fork
def test_a_worker_killed_while_idle_is_replaced_and_the_job_still_done() -> None:
    with WorkerPool.start(2) as pool:
        victim = pool.workers[0].process
        os.kill(victim.pid, signal.SIGKILL)
        victim.join()
        results = pool.map([Job(whose), Job(whose)])
    assert victim.pid not in results


@needs_fork
def test_jobs_are_taken_only_as_workers_free_up() -> None:
    taken: list[int] = []

    def jobs() -> Iterator[Job]:
        for number in range(20):
            taken.append(number)
            yield Job(whose)

    with WorkerPool.start(2) as pool:
        results = pool.run(jobs())
        assert len(taken) == 2  # one per worker, sent before the first result is read
        next(results)
        assert len(taken) <= 4
        assert len(list(results)) == 19
    assert len(taken) == 20


@needs_fork
def test_workers_leave_ctrl_c_to_the_main_process() -> None:
    with WorkerPool.start(2) as pool:
        pool.map([Job(whose), Job(whose)])  # both are set up and waiting
        for worker in pool.workers:
            os.kill(worker.process.pid, signal.SIGINT)
        time.sleep(0.2)
        assert all(w.process.is_alive() for w in pool.workers)
        assert len(pool.map([Job(whose), Job(whose)])) == 2


@needs_fork
def test_a_ctrl_c_during_the_fork_is_not_lost_by_the_main_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import contextlib
    import multiprocessing

    held = workers.interrupts_held

    @contextlib.contextmanager
    def ctrl_c_while_held() -> Iterator[None]:
        with held():
            # Pending on this thread, as if typed while workers are forked. Sent to the thread,
            # not the process: another thread of the test process (left by an earlier test)
            # would take a process-directed signal at once, outside the fork.
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            yield

    monkeypatch.setattr(workers, "interrupts_held", ctrl_c_while_held)
    with pytest.raises(KeyboardInterrupt):
        WorkerPool.start(2)
    assert multiprocessing.active_children() == []  # none left behind


def test_a_block_held_inside_another_keeps_the_signals_until_the_outer_ends() -> None:
    """The folder writer holds them inside a caller's block: they wait for the outer one."""
    delivered: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda number, frame: delivered.append(number))
    try:
        with workers.interrupts_held():
            with workers.interrupts_held():
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGHUP)
            assert delivered == []  # the inner block ended; the outer still holds it
        assert delivered == [signal.SIGHUP]
    finally:
        signal.signal(signal.SIGHUP, previous)


@needs_fork
def test_leaving_on_an_error_stops_busy_workers_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), WorkerPool.start(2) as pool:
        processes = [w.process for w in pool.workers]
        pending = pool.run([Job(wait_then, (60, "never")), Job(wait_then, (60, "never"))])
        assert pending is not None
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10
    assert not any(p.is_alive() for p in processes)


@needs_fork
def test_results_a_caller_stopped_reading_do_not_leak_into_the_next_run() -> None:
    with WorkerPool.start(2) as pool:
        first = pool.run([Job(wait_then, (0.2, "old")), Job(wait_then, (0.2, "old"))])
        del first
        second = list(pool.run([Job(wait_then, (0, "new")), Job(wait_then, (0, "new"))]))
    assert sorted(second) == [(0, "new"), (1, "new")]


def test_without_fork_the_jobs_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    monkeypatch.setattr(f"{__name__}._loaded_in", [])
    with WorkerPool.start(2, mark_loaded) as pool:
        assert pool.in_process
        assert pool.map([Job(whose), Job(whose)]) == [os.getpid(), os.getpid()]
        results = dict(pool.run([Job(fail, ("bad",)), Job(whose)]))
        assert isinstance(results[0], InputError)
        assert preloaded() == [os.getpid()]  # loaded once, here


def test_one_process_means_no_workers() -> None:
    with WorkerPool.start(1) as pool:
        assert pool.in_process
        assert pool.map([Job(whose)]) == [os.getpid()]


# A command that forked its workers, then dies. The workers print nothing: the parent writes
# their PIDs to a file once both have answered a job (so both are set up and waiting).
ORPHAN_PARENT = """
import json, os, sys, time
from kyphocheck.record import workers
from kyphocheck.record.workers import Job, WorkerPool

pids_file, mode = sys.argv[1], sys.argv[2]
if mode == "end-of-file only":
    workers._die_with_parent = lambda parent, from_main_thread: None
with WorkerPool.start(2, os.getpid) as pool:
    pool.map([Job(os.getpid), Job(os.getpid)])
    if mode == "one busy":
        busy = pool.run([Job(time.sleep, (60,))])  # worker 0 is in a job when the parent dies
    with open(pids_file + ".tmp", "w") as handle:
        json.dump([w.process.pid for w in pool.workers], handle)
    os.rename(pids_file + ".tmp", pids_file)
    time.sleep(60)  # until the test kills it
"""


def _start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/PID/stat), or None once it is gone.

    A zombie counts as gone: it holds no memory, and init reaps it.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "PID (comm) "
    return None if fields[0] in ("Z", "X") else fields[19]


def _wait_for(path: Path, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the parent ended with {process.returncode}"
        assert time.monotonic() < deadline, f"{path} did not appear in {seconds} s"
        time.sleep(0.01)


@needs_fork
@pytest.mark.parametrize(
    ("how", "mode"),
    [
        (signal.SIGKILL, "idle"),
        (signal.SIGKILL, "one busy"),  # only the parent-death signal ends a worker in a job
        (signal.SIGKILL, "end-of-file only"),  # no parent-death signal: closed ends alone
        (signal.SIGTERM, "idle"),
    ],
)
def test_workers_end_when_their_parent_is_killed(
    tmp_path: Path, how: signal.Signals, mode: str
) -> None:
    pids_file = tmp_path / "pids.json"
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_PARENT, str(pids_file), mode],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "stderr").open("wb"),
    )
    started: dict[int, str | None] = {}
    try:
        _wait_for(pids_file, parent, 30)
        started = {pid: _start_time(pid) for pid in json.loads(pids_file.read_text())}
        assert len(started) == 2 and None not in started.values()
        parent.send_signal(how)
        assert parent.wait(10) == -how
        deadline = time.monotonic() + 10
        alive = list(started)
        while alive and time.monotonic() < deadline:
            time.sleep(0.02)
            alive = [pid for pid, start in started.items() if _start_time(pid) == start]
        assert alive == [], f"{len(alive)} of {len(started)} workers outlived their parent"
    finally:
        parent.kill()
        parent.wait()
        for pid, start in started.items():  # a failed run leaves no orphan behind
            if start is not None and _start_time(pid) == start:
                os.kill(pid, signal.SIGKILL)


def _check_parent_then_exit(parent: int) -> None:
    workers._die_with_parent(parent, from_main_thread=True)
    os._exit(5)  # reached only while the parent is the one named


@needs_fork
@pytest.mark.parametrize(("named", "code"), [("the real parent", 5), ("a parent gone", 0)])
def test_a_worker_whose_parent_is_already_gone_exits_at_once(named: str, code: int) -> None:
    import multiprocessing

    parent = os.getpid() if named == "the real parent" else -1
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_check_parent_then_exit, args=(parent,))
    process.start()
    process.join(10)
    assert process.exitcode == code


@needs_fork
def test_workers_forked_by_a_thread_outlive_the_thread() -> None:
    # Linux sends the parent-death signal when the forking thread ends, not the process.
    import threading

    pools: list[WorkerPool] = []
    thread = threading.Thread(target=lambda: pools.append(WorkerPool.start(2)))
    thread.start()
    thread.join()
    with pools[0] as pool:
        time.sleep(0.2)  # a signal sent when the thread ended has arrived by now
        assert all(w.process.is_alive() for w in pool.workers)
        assert len(set(pool.map([Job(whose), Job(whose)]))) == 2
