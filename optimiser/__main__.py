"""``python -m optimiser``: the same CLI as the ``optimiser`` command."""

from .cli import main

main()
