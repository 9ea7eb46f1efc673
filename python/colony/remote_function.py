"""@colony.remote functions and their submission (options: _private/options.py, arguments:
_private/args.py)."""

from __future__ import annotations

import functools
import inspect

import cloudpickle

from colony import _core
from colony._private import runtime_env_client, worker
from colony._private.args import inline_or_put, pack_args
from colony._private.generators import ObjectRefGenerator
from colony._private.options import (TASK_DEFAULTS, resource_request, streaming_backpressure,
                                     validate_options)
from colony._private.worker import state
from colony.util import scheduling_strategies

# The argument and option helpers stay importable from here, where they used to live.
__all__ = ["RemoteFunction", "inline_or_put", "pack_args", "resource_request", "validate_options"]


class RemoteFunction:
    """A function that runs as a task: `f.remote(*args)` returns ObjectRef(s)."""

    def __init__(self, function, options: dict):
        if not callable(function) or inspect.isclass(function):
            raise TypeError("colony.remote expects a function")
        self._function = function
        self._signature = inspect.signature(function)
        self._options = {**TASK_DEFAULTS, **validate_options(dict(options))}
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Remote functions cannot be called directly. Instead of running "
                        f"'{self._function.__name__}()', try '{self._function.__name__}.remote()'.")

    def options(self, **options) -> "RemoteFunction":
        """A copy with some options changed, e.g. `f.options(num_cpus=2).remote(x)`."""
        copy = object.__new__(RemoteFunction)
        copy.__dict__.update(self.__dict__)
        copy._options = {**self._options, **validate_options(options)}
        return copy

    def remote(self, *args, **kwargs):
        if not worker.is_initialized():
            raise RuntimeError("colony.init() must be called before submitting tasks")
        try:
            self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"wrong arguments for {self._function.__name__}: {e}") from None
        opts = self._options
        fn = self._function
        function_hash = state.exporter.export(fn)
        packed, kwarg_names = pack_args(args, kwargs, fn.__qualname__)
        retry = opts["retry_exceptions"]
        allowlist = b"" if isinstance(retry, bool) else cloudpickle.dumps(tuple(retry))
        streaming = streaming_backpressure(opts)
        refs = _core.submit_task(fn.__module__, fn.__qualname__, function_hash,
                                 opts["name"] or fn.__qualname__, packed, kwarg_names,
                                 1 if streaming >= 0 else opts["num_returns"],
                                 resource_request(opts), opts["max_retries"],
                                 bool(retry), allowlist,
                                 strategy=scheduling_strategies.to_tuple(opts["scheduling_strategy"]),
                                 max_calls=opts["max_calls"], streaming_backpressure=streaming,
                                 runtime_env=runtime_env_client.for_submission(
                                     opts["runtime_env"], state.gcs_address))
        if streaming >= 0:
            return ObjectRefGenerator(refs[0])
        if opts["num_returns"] == 1:
            return refs[0]
        return refs
