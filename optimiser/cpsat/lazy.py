"""OR-Tools' CP-SAT module, loaded on first use.

It costs about a third of a second to import (numpy and pandas come with it), which validate, rules and
the other commands that never solve need not pay; the solving commands load it at their first model.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

MODULE = "ortools.sat.python.cp_model"
"""The module stood in for (what a worker loads ahead of its first model: ``Executor.preload``)."""


class _OnFirstUse(ModuleType):
    """Stands in for a module and imports it when an attribute is first read. Safe from several threads
    (a worker of a real cluster may run tasks side by side): the import system locks the import, and
    copying the loaded names in is the same whoever does it."""

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)


if TYPE_CHECKING:
    from ortools.sat.python import cp_model as cp_model
else:
    cp_model = _OnFirstUse(MODULE)
