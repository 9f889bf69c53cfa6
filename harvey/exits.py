"""The exit codes of the `harvey` command, one meaning each (README, "The harvey command").

Scripts and supervisors act on them: 3 means "try again later" (another run holds the lease), 4 means "a
service Harvey needs is down", neither is a bug in the request.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    #: A run (or another piece of work the command did) failed; the table says which and why.
    FAILED = 1
    #: The command was asked something it cannot do: bad arguments, an unknown organization or entity.
    USAGE = 2
    #: Another run holds the lease of an entity asked for; nothing was synced for it (see `--wait`).
    LOCKED = 3
    #: The database, Redis or the broker could not be reached.
    UNAVAILABLE = 4
