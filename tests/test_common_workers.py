"""The one worker pool (common.workers): a call past the time limit has its worker killed,
a worker that dies costs that call only, and the pool goes on with the next call."""

from __future__ import annotations

import os
import time

import pytest

from chosho_xlsx.common.workers import TimedOut, WorkerDied, Workers


def test_a_call_past_the_limit_is_killed_and_the_pool_goes_on():
    with Workers(1, 1.0) as pool:
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            pool.run(time.sleep, 600)
        assert caught.value.seconds == 1.0
        assert time.monotonic() - started < 60  # not the ten minutes asked for
        assert pool.run(abs, -2) == 2  # a new worker took the killed one's place


def test_a_worker_that_dies_costs_its_call_only():
    with Workers(2, 60.0) as pool:
        dying = pool.submit(os._exit, 3)
        fine = [pool.submit(abs, -i) for i in range(6)]
        with pytest.raises(WorkerDied, match="exit code 3"):
            pool.result(dying)
        assert [pool.result(f) for f in fine] == [0, 1, 2, 3, 4, 5]


def test_an_exception_of_the_function_is_raised_as_it_was():
    with Workers(1, 60.0) as pool, pytest.raises(ValueError, match="invalid literal"):
        pool.run(int, "x")


def _collector_state() -> tuple:
    import gc

    return gc.get_threshold()[0], gc.get_freeze_count() > 0


def test_a_batch_worker_collects_young_objects_less_often():
    # worker_gc in the pool's initializer (as batch.build's _init calls it): the worker
    # answers with its own collector's settings, the parent's stay as they were
    import gc

    from chosho_xlsx.common.workers import worker_gc

    before = gc.get_threshold()
    with Workers(1, 60.0, initializer=worker_gc) as pool:
        assert pool.run(_collector_state) == (20_000, True)
    assert gc.get_threshold() == before
