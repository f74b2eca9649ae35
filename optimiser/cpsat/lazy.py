"""OR-Tools' CP-SAT module, loaded on first use.

It costs about a third of a second to import (pandas and numpy come with it), which validate, rules and
the other commands that never solve need not pay; the solving commands load it at their first model.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING

_NAME = "ortools.sat.python.cp_model"


def _lazy(name: str) -> ModuleType:
    """``name`` as a module whose code runs when one of its attributes is first read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"{name} is not installed")
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from ortools.sat.python import cp_model as cp_model
else:
    cp_model = _lazy(_NAME)
