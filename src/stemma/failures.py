"""Start-up failures: mistakes the user can fix, reported by ``stemma`` in a line or two.

Each message names the cause and the fix. The CLI prints it without a traceback (``--log-level
debug`` adds one) and exits with ``exit_status``: 2 for the command line, 1 for the environment.
"""

from __future__ import annotations


class StartupError(Exception):
    """Something in the environment (a file, a port, a directory) stops the command."""

    exit_status = 1


class UsageError(StartupError):
    """The command line itself is wrong."""

    exit_status = 2
