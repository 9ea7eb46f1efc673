"""Ending an actor from inside: `colony.actor.exit_actor()` and `__colony_terminate__`.

The method that calls exit_actor() stops there and its caller gets ActorDiedError; the
actor's worker takes no further call and exits normally once this one is answered (atexit
and the actor's __del__ run); the actor is then DEAD for good (no restart, cause EXITED) and
the calls queued behind it fail with ActorDiedError.
"""

from __future__ import annotations

from colony import _core

# The method every actor has: calling it ends the actor like exit_actor() in a method,
# after the calls submitted before it (Ray's __ray_terminate__).
TERMINATE_METHOD = "__colony_terminate__"


class ActorExit(BaseException):
    """Raised by exit_actor(); a BaseException so `except Exception` in user code lets it by."""


def exit_actor() -> None:
    """Ends the actor this method runs in, gracefully and for good (no restart)."""
    if not _core.is_initialized() or not _core.current_actor_id():
        raise TypeError("exit_actor() can only be called inside an actor's method")
    raise ActorExit()
