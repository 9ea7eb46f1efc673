"""@colony.remote functions: validated options, argument packing, submission."""

from __future__ import annotations

import functools
import inspect
import numbers

import cloudpickle

from colony import _core
from colony._private import serialization
from colony._private import worker
from colony._private.worker import state
from colony.util import scheduling_strategies

_TASK_OPTIONS = {"num_cpus", "num_gpus", "memory", "resources", "num_returns", "max_retries",
                 "retry_exceptions", "name", "scheduling_strategy"}
_DEFAULTS = {"num_cpus": 1, "num_gpus": 0, "memory": 0, "resources": None, "num_returns": 1,
             "max_retries": 3, "retry_exceptions": False, "name": None,
             "scheduling_strategy": None}


def _check_number(name, value, integer=False, minimum=0):
    ok = isinstance(value, numbers.Number) and not isinstance(value, bool)
    if integer:
        ok = ok and isinstance(value, int)
    if not ok:
        kind = "an integer" if integer else "a number"
        raise TypeError(f"option {name} must be {kind}, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"option {name} must be >= {minimum}, got {value}")


def validate_options(options: dict, allowed: set = _TASK_OPTIONS) -> dict:
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; valid options are "
                         f"{', '.join(sorted(allowed))}")
    for name in ("num_cpus", "num_gpus", "memory"):
        if name in options:
            _check_number(name, options[name])
    if "num_returns" in options:
        _check_number("num_returns", options["num_returns"], integer=True)
    if "max_retries" in options:
        _check_number("max_retries", options["max_retries"], integer=True, minimum=-1)
    if "resources" in options and options["resources"] is not None:
        res = options["resources"]
        if not isinstance(res, dict):
            raise TypeError(f"option resources must be a dict, got {type(res).__name__}")
        for k, v in res.items():
            if not isinstance(k, str):
                raise TypeError(f"resource names must be strings, got {k!r}")
            if k in ("CPU", "GPU", "memory"):
                raise ValueError(f"use the num_cpus/num_gpus/memory options instead of "
                                 f"resources[{k!r}]")
            _check_number(f"resources[{k!r}]", v)
    if "retry_exceptions" in options:
        re = options["retry_exceptions"]
        if not isinstance(re, bool) and not (
                isinstance(re, (list, tuple)) and all(
                    isinstance(t, type) and issubclass(t, BaseException) for t in re)):
            raise TypeError("option retry_exceptions must be a bool or a list of exception types")
    if "name" in options and options["name"] is not None and not isinstance(options["name"], str):
        raise TypeError("option name must be a string")
    if "scheduling_strategy" in options:
        scheduling_strategies.validate(options["scheduling_strategy"])
    return options


def resource_request(opts: dict) -> dict:
    request = {"CPU": float(opts["num_cpus"])}
    if opts["num_gpus"]:
        request["GPU"] = float(opts["num_gpus"])
    if opts["memory"]:
        request["memory"] = float(opts["memory"])
    for k, v in (opts["resources"] or {}).items():
        request[k] = float(v)
    return {k: v for k, v in request.items() if v}


def inline_or_put(metadata: bytes, data, refs: list):
    """A serialized argument as it travels: inline, or (large) put first and passed by ref."""
    if serialization.size_of(data) >= _core.inline_threshold():
        return worker.put_serialized(metadata, data, refs)
    return metadata, data, refs


def pack_args(args: tuple, kwargs: dict, fn_name: str) -> tuple[list, list]:
    """Top-level ObjectRefs go by reference; other values are serialized inline, except
    large ones, which are put into the object store first and passed by reference."""
    packed = []
    for i, arg in enumerate(list(args) + list(kwargs.values())):
        if isinstance(arg, _core.ObjectRef):
            packed.append(arg)
            continue
        label = f"argument {i}" if i < len(args) else f"keyword argument {list(kwargs)[i - len(args)]!r}"
        packed.append(inline_or_put(*serialization.serialize(arg, f"{label} of {fn_name}")))
    return packed, list(kwargs)


class RemoteFunction:
    """A function that runs as a task: `f.remote(*args)` returns ObjectRef(s)."""

    def __init__(self, function, options: dict):
        if not callable(function) or inspect.isclass(function):
            raise TypeError("colony.remote expects a function")
        self._function = function
        self._signature = inspect.signature(function)
        self._options = {**_DEFAULTS, **validate_options(dict(options))}
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
        from colony._private import worker
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
        refs = _core.submit_task(fn.__module__, fn.__qualname__, function_hash,
                                 opts["name"] or fn.__qualname__, packed, kwarg_names,
                                 opts["num_returns"], resource_request(opts), opts["max_retries"],
                                 bool(retry), allowlist,
                                 strategy=scheduling_strategies.to_tuple(opts["scheduling_strategy"]))
        if opts["num_returns"] == 1:
            return refs[0]
        return refs
