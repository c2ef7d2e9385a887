"""common.prefork: calls in forked workers fed by a keeper, the outcomes in the items'
order, whatever happens to a worker between two items."""

from __future__ import annotations

import os
import pickle
import sys

import pytest

from chosho_xlsx.common import prefork

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")


def squared(n: int) -> int:
    return n * n


def _answer_once_then_go(tasks, results, fn, items, args):
    """A worker that dies right after its answer, before the keeper hands it the next
    item (as one the OOM killer picks at that moment): its end of the items' pipe is
    gone before the answer is sent, so the keeper's next write meets no reader."""
    (index,) = prefork._INDEX.unpack(prefork._read(tasks, prefork._INDEX.size))
    payload = pickle.dumps(fn(items[index], *args), pickle.HIGHEST_PROTOCOL)
    os.close(tasks)
    prefork._send(results, prefork._RESULT, payload)


def test_a_worker_gone_after_its_answer_costs_no_item(monkeypatch):
    """The item the keeper was handing it goes to a new worker: every answer, in order,
    no WorkerDied for an item no worker had started, nothing raised."""
    monkeypatch.setattr(prefork, "_work", _answer_once_then_go)  # the keeper forks it from here
    with prefork.Prefork() as pool:
        assert list(pool.map(squared, range(6), jobs=2, seconds=60)) == [0, 1, 4, 9, 16, 25]


def slow_or_dying(n: int) -> int:
    import signal
    import time

    if n == 2:
        time.sleep(30)
    if n == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    if n == 5:
        raise ValueError("five")
    return -n


def test_each_item_in_order_past_the_limit_and_death_its_own_outcome():
    """A call past the limit is TimedOut and one whose worker dies WorkerDied; the other
    items are answered, in order, by workers forked afresh."""
    with prefork.Prefork() as pool:
        got = list(pool.map(slow_or_dying, [0, 1, 2, 3, 4, 6, 7], jobs=2, seconds=1.0))
    assert got[:2] == [0, -1] and got[3] == -3 and got[5:] == [-6, -7]
    assert isinstance(got[2], prefork.TimedOut) and isinstance(got[4], prefork.WorkerDied)


def killing_the_keeper_at_3(n: int) -> int:
    import signal

    if n == 3:
        os.kill(os.getppid(), signal.SIGKILL)  # the keeper (the OOM killer's pick)
        signal.pause()  # and this worker goes with it (PR_SET_PDEATHSIG)
    return -n


def test_a_keeper_killed_leaves_its_items_keeper_gone_not_died():
    """The items whose outcome had not come when the keeper was killed are KeeperGone:
    no fault of theirs (validate and build do them in the command itself), where a
    worker dying on an item is that item's WorkerDied."""
    with prefork.Prefork() as pool:
        got = list(pool.map(killing_the_keeper_at_3, range(6), jobs=1, seconds=60))
    assert got[:3] == [0, -1, -2]
    assert all(type(g) is prefork.KeeperGone for g in got[3:]), got


def test_an_exception_of_the_function_is_raised_in_the_caller():
    with prefork.Prefork() as pool, pytest.raises(ValueError, match="five"):
        list(pool.map(slow_or_dying, [1, 5, 6], jobs=2, seconds=10))


def negated(n: int, by: int) -> int:
    return -n * by


def test_jobs_follow_one_another_on_one_keeper_each_with_its_own_workers():
    """A build's 調書, then its two lists: a second job once every outcome of the first
    is taken, its own function, arguments and workers."""
    with prefork.Prefork() as pool:
        assert list(pool.map(squared, range(4), jobs=2, seconds=10.0)) == [0, 1, 4, 9]
        assert list(pool.map(negated, [1, 2, 3], 10, jobs=3, seconds=None)) == [-10, -20, -30]
        assert list(pool.map(squared, [], jobs=1, seconds=None)) == []


def test_a_second_job_waits_for_the_first_s_outcomes():
    """Refused, not mixed up: the keeper answers one job's items at a time."""
    with prefork.Prefork() as pool:
        first = pool.map(squared, range(3), jobs=1, seconds=10)
        assert next(first) == 0
        with pytest.raises(RuntimeError, match="one job at a time"):
            pool.map(squared, range(2), jobs=1, seconds=10)
        assert list(first) == [1, 4]
        assert list(pool.map(squared, range(2), jobs=1, seconds=10)) == [0, 1]


def test_pipes_past_select_s_limit_of_1024_descriptors():
    """A caller that lets the command inherit many open files (a job runner, a parent
    with close_fds=False) puts the keeper's pipes past descriptor 1023, where
    select.select refuses them (ValueError: filedescriptor out of range)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip("this system allows fewer than 1300 open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1300) if soft != resource.RLIM_INFINITY else soft, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with prefork.Prefork() as pool:
            assert list(pool.map(squared, range(4), jobs=2, seconds=60)) == [0, 1, 4, 9]
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_pids_limit_of_one_worker_answers_every_item_with_that_one(monkeypatch):
    """The system gives the keeper one worker and refuses the next (EAGAIN: a pids limit
    reached): the job goes on with that one, each item still within the limit (a worker
    killed at it replaced once its process is freed), not the whole job refused."""
    import errno

    stock = prefork._Keeper._fork

    def fork(self):
        if self.workers:  # one worker alive already: the limit
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return stock(self)

    monkeypatch.setattr(prefork._Keeper, "_fork", fork)
    with prefork.Prefork() as pool:
        got = list(pool.map(slow_or_dying, [0, 1, 2, 3, 4, 6, 7], jobs=2, seconds=1.0))
        assert list(pool.map(squared, range(4), jobs=3, seconds=None)) == [0, 1, 4, 9]
    assert got[:2] == [0, -1] and got[3] == -3 and got[5:] == [-6, -7]
    assert isinstance(got[2], prefork.TimedOut) and isinstance(got[4], prefork.WorkerDied)
