"""Ending an actor from inside: `colony.actor.exit_actor()` and `__colony_terminate__`.

The method that calls exit_actor() stops there; the actor is DEAD at once (no restart, the
cause says it exited), its worker exits normally once the call is over (atexit and the
actor's __del__ run), and the calls queued behind it fail with ActorDiedError.
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
