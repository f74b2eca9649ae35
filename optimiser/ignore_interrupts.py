"""Imported first by the workers' fork server (``Executor.preload``): the server, and every worker forked
from it, ignore SIGINT. Ctrl-C at a terminal reaches every process of the group; the command's own process
hears it, cancels the tasks and closes the cluster, and a worker would only print a traceback for it."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
