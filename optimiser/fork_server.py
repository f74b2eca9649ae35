"""The first module the workers' fork server loads (``Executor.preload``), for what a command's server needs:

- it, and every worker forked from it, ignore SIGINT. Ctrl-C at a terminal reaches every process of the
  group; the command's own process hears it, cancels the tasks and closes the cluster, and a worker would
  only print a traceback for it;
- it leaves as soon as the command's process has gone, even while it is still loading the rest (about a
  second): a command that needed no cluster (one part, or a refused input) ends at once, and the server
  would otherwise hold its output streams open, so a script reading them would wait for it.
"""

import os
import signal
import threading
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)

from .executor import COMMAND_PID  # noqa: E402  (Ctrl-C ignored first: loading it takes a moment)

_COMMAND = int(os.environ.get(COMMAND_PID, os.getppid()))  # told: by now the command may have gone


def _leave_with_the_command() -> None:
    while os.getppid() == _COMMAND:
        time.sleep(0.05)
    os._exit(0)


threading.Thread(target=_leave_with_the_command, name="leave-with-the-command", daemon=True).start()
