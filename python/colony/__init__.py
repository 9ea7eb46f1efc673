"""Colony: tasks, actors and objects on a cluster, from Python and Java.

Example:
    import colony
    colony.init()

    @colony.remote
    def square(x):
        return x * x

    print(colony.get([square.remote(i) for i in range(4)]))  # [0, 1, 4, 9]
"""

from __future__ import annotations

import inspect

from colony import cross_language, exceptions
from colony.actor import ActorClass, ActorHandle, get_actor, kill, method
from colony._core import ObjectRef
from colony._private.generators import ObjectRefGenerator
from colony._private.worker import (available_resources, cancel, cluster_resources, get, init,
                                    is_initialized, nodes, put, shutdown, wait)
from colony.job_config import JobConfig
from colony.remote_function import RemoteFunction
from colony.runtime_context import get_runtime_context

__version__ = "0.1.0"


def remote(*args, **options):
    """Makes a function a remote function: ``@colony.remote`` or ``@colony.remote(num_cpus=2)``."""
    if len(args) == 1 and not options and callable(args[0]):
        return _make_remote(args[0], {})
    if args:
        raise TypeError("colony.remote takes a function, or only keyword options: "
                        "@colony.remote(num_cpus=1)")
    return lambda target: _make_remote(target, options)


def _make_remote(target, options):
    if inspect.isclass(target):
        return ActorClass(target, options)
    return RemoteFunction(target, options)


__all__ = ["init", "shutdown", "is_initialized", "remote", "get", "put", "wait", "cancel",
           "nodes", "cluster_resources", "available_resources", "get_runtime_context",
           "ObjectRef", "ObjectRefGenerator", "JobConfig", "RemoteFunction", "exceptions", "ActorClass", "ActorHandle",
           "get_actor", "kill", "method", "cross_language"]
