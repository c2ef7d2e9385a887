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
