"""Two halves of the measures side by side: a forked child computes one, the parent the other.

Why: every measure is pure Python, so one process uses one core; on a 50,000-message chat the
measures took ~3.4 s of the ~5.8 s that `attune analyze` spends with its signals cached. A forked
child shares the parent's memory (copy on write) and sends back only its finished results,
pickled through a pipe, so the two halves run at once on two cores.

Only where ``os.fork`` exists (Linux, macOS), with two usable cores and a chat long enough for it to
pay. Anything that goes wrong in the child (it raised, died or sent nothing readable) makes the
parent compute the child's half itself, so the result never depends on whether the split
happened.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

Results = dict[str, Any]
MIN_MESSAGES = 20_000  # below this, forking costs more than it saves


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worth_forking(messages: int) -> bool:
    return hasattr(os, "fork") and messages >= MIN_MESSAGES and usable_cores() >= 2


def fork_join(
    child: Callable[[], Results],
    parent: Callable[[], Results],
    redo_child: Callable[[], Results],
    *,
    fork: bool,
) -> Results:
    """``parent()`` merged with ``child()``'s results. With ``fork``, ``child`` runs in a forked
    process while the parent runs ``parent``; if the child fails, ``redo_child`` (called after
    ``parent``) computes its results here. Without ``fork``: ``parent`` then ``redo_child``."""
    if not fork:
        return {**parent(), **redo_child()}
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's clean-up
        status = 0
        try:
            os.close(read_end)
            payload = pickle.dumps(child(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # any failure: the parent computes the child's half
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        results = parent()
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()  # the child blocks on a full pipe until this reads it
        _, status = os.waitpid(pid, 0)
    from_child: Results | None = None
    if status == 0 and payload:
        try:
            from_child = pickle.loads(payload)  # our own child, through our own pipe
        except Exception:  # a truncated payload: computed here instead
            from_child = None
    return {**results, **(from_child if from_child is not None else redo_child())}
