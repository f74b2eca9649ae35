"""The cyclic garbage collector, held off while a stage builds many objects that live for the whole run."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; what was built is frozen after (``gc.freeze``), so later collections
    skip it. For stages that build hundreds of thousands of small objects with no reference cycles (an
    instance read, a national result's moves and files): the collector would scan them again and again as
    they accumulate, and each full collection all that lives. Frozen objects are still freed when
    unreferenced; cycles made meanwhile are collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
