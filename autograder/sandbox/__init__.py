"""Run untrusted student code: a zygote per worker slot, a confined forked child per submission.

Kept light on purpose: the zygote imports this package inside the sandbox.
"""

from .limits import Limits
from .pool import (Child, ChildDied, ChildGarbled, ChildTimeout, ExitInfo, Sandbox,
                   SandboxError, SandboxWarning)
from .wire import WireError

__all__ = ["Child", "ChildDied", "ChildGarbled", "ChildTimeout", "ExitInfo", "Limits",
           "Sandbox", "SandboxError", "SandboxWarning", "WireError"]
