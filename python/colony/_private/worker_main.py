"""Entry point of a Python worker process, started by the raylet."""

from __future__ import annotations

import os
import pickle
import sys
import traceback

from colony import _core
from colony import exceptions
from colony._private import serialization
from colony._private import worker as worker_mod
from colony._private.function_manager import FunctionLoader


class TaskExecutor:
    def __init__(self, job_id_hex: str):
        self.loader = FunctionLoader(job_id_hex)

    def __call__(self, info: dict, args: list):
        name = info["name"]
        num_returns = info["num_returns"]
        try:
            fn = self.loader.load(info["module"], info["qualname"], info["function_hash"])
            values = [self._arg(metadata, data) for metadata, data in args]
            n_kw = len(info["kwarg_names"])
            positional = values[:len(values) - n_kw]
            kwargs = dict(zip(info["kwarg_names"], values[len(values) - n_kw:]))
            result = fn(*positional, **kwargs)
            return self._pack_returns(result, num_returns, name), False, False
        except BaseException as e:  # the task's own failure, reported to its caller
            return self._pack_error(e, info), True, self._retryable(e, info)

    @staticmethod
    def _arg(metadata: bytes, data: bytes):
        value = serialization.deserialize(metadata, data)
        if serialization.is_error(metadata):
            raise value
        return value

    @staticmethod
    def _pack_returns(result, num_returns: int, name: str) -> list:
        if num_returns == 0:
            return []
        if num_returns == 1:
            return [serialization.serialize(result, f"the return value of {name}")]
        if not isinstance(result, (tuple, list)) or len(result) != num_returns:
            raise ValueError(f"task {name} has num_returns={num_returns} but returned "
                             f"{type(result).__name__} {'of length ' + str(len(result)) if isinstance(result, (tuple, list)) else ''}")
        return [serialization.serialize(v, f"return value {i} of {name}") for i, v in enumerate(result)]

    @staticmethod
    def _pack_error(e: BaseException, info: dict) -> list:
        if isinstance(e, exceptions.TaskError):
            err = e  # a failure propagated from a task this one waited on
        else:
            err = exceptions.TaskError(info["name"], traceback.format_exc(), e)
        return [serialization.serialize_error(err)] * info["num_returns"]

    @staticmethod
    def _retryable(e: BaseException, info: dict) -> bool:
        if not info["retry_exceptions"]:
            return False
        if not info["retry_allowlist"]:
            return True
        try:
            return isinstance(e, pickle.loads(info["retry_allowlist"]))
        except Exception:
            return False


def main() -> None:
    env = os.environ
    job_id = env["COLONY_JOB_ID"]
    _core.init(False, env["COLONY_GCS_ADDRESS"], env["COLONY_RAYLET_ADDRESS"],
               env.get("COLONY_NODE_IP", "127.0.0.1"), env.get("COLONY_CLUSTER_TOKEN", ""), "", [],
               job_id, env["COLONY_WORKER_ID"], TaskExecutor(job_id),
               exceptions.TaskCancelledError)
    worker_mod.state.mode = "worker"
    try:
        _core.run_task_loop()
    finally:
        _core.shutdown()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
