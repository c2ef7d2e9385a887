"""What this machine offers the processes we start: the batch's workers, LibreOffice's
converters and the portal's validating workers all default to one per usable CPU."""

from __future__ import annotations

import os


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity, which a container or `taskset`
    narrows), else every CPU of the machine."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
