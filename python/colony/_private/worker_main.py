"""Entry point of a Python worker process, started by the raylet."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import pickle
import threading
import sys
import traceback

from colony import _core
from colony import exceptions
from colony._private import generators
from colony._private import log_stream
from colony._private import serialization
from colony._private import worker as worker_mod
from colony._private.actor_exit import TERMINATE_METHOD, ActorExit
from colony._private.function_manager import FunctionLoader


NORMAL_TASK, ACTOR_CREATION_TASK, ACTOR_TASK = 0, 1, 2
LANGUAGE_PYTHON = 0
# The raylet set OMP_NUM_THREADS=1 because the user did not choose it: each task then gets
# its num_cpus (at least 1), so numpy/torch in a 1-CPU task do not start a thread per core.
_OMP_MANAGED = os.environ.get("COLONY_OMP_MANAGED") == "1"


class TaskExecutor:
    """Runs the tasks the core worker hands over; hosts this worker's actor, if any."""

    def __init__(self):
        self.loader = FunctionLoader()
        self.actor = None
        self.loop = None  # the event loop of an async actor
        # Async actors, touched on the loop only: the running calls' asyncio tasks by task
        # id, and the ids cancelled (those whose coroutine is not running yet included).
        self._async_calls: dict = {}
        self._cancelled_calls: set = set()

    def __call__(self, info: dict, args: list):
        """Runs a task on the task loop's thread: (returns, is_app_error, retryable)."""
        if _OMP_MANAGED and info["type"] != ACTOR_TASK:  # an actor keeps its creation's
            os.environ["OMP_NUM_THREADS"] = str(max(1, int(info["num_cpus"])))
        if info["type"] == NORMAL_TASK:  # what it prints is labelled with its name
            log_stream.set_task(info["task_id"].hex(), info["name"])
        try:
            if info["type"] == ACTOR_CREATION_TASK:
                positional, kwargs = self._unpack_args(info, args)
                self._create_actor(info, positional, kwargs)
                return [], False, False
            result = self._start(info, args)
            if inspect.iscoroutine(result):  # an `async def` task: the actor loop, if any
                result = asyncio.run_coroutine_threadsafe(result, self.loop).result()
            return self._packed(result, info)
        except ActorExit:
            return self._end_actor(info)
        except BaseException as e:  # the task's own failure, reported to its caller
            return self._pack_error(e, info), True, self._retryable(e, info)

    def _unpack_args(self, info: dict, args: list):
        values = [self._arg(metadata, data) for metadata, data in args]
        n_kw = len(info["kwarg_names"])
        return values[:len(values) - n_kw], dict(zip(info["kwarg_names"], values[len(values) - n_kw:]))

    def _start(self, info: dict, args: list):
        """Calls the task's function: its result, or a coroutine for an async method."""
        positional, kwargs = self._unpack_args(info, args)
        return self._function(info)(*positional, **kwargs)

    def _packed(self, result, info: dict):
        if info["streaming"]:
            result = generators.run_streaming(self._require_generator(result, info),
                                              *self._streaming_parts(info))
        return self._pack_returns(result, info["num_returns"], info["name"],
                                  info["caller_language"]), False, False

    async def _packed_async(self, result, info: dict):
        if info["streaming"] and inspect.isasyncgen(result):
            result = await generators.run_streaming_async(result, *self._streaming_parts(info))
            return self._pack_returns(result, 1, info["name"], info["caller_language"]), False, False
        return self._packed(result, info)

    def _streaming_parts(self, info: dict):
        """(pack, pack_error, report) of a streaming task's items."""
        task_id, name, language = info["task_id"], info["name"], info["caller_language"]

        def pack(value, index):
            return self._pack_returns(value, 1, f"{name} (item {index})", language)[0]

        def pack_error(e):
            return self._pack_error(e, {**info, "num_returns": 1})[0]

        def report(index, packed):
            return _core.report_generator_item(task_id, index, *packed)

        return pack, pack_error, report

    @staticmethod
    def _require_generator(result, info: dict):
        if inspect.isgenerator(result) or hasattr(result, "__next__"):
            return result
        if isinstance(result, (list, tuple)):
            return iter(result)
        raise TypeError(f"{info['name']} has num_returns='streaming' but returned "
                        f"{type(result).__name__}, not a generator")

    # ---- async actors: calls arrive on the event loop, never blocking a thread each

    def _serve_async_calls(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.add_reader(_core.async_task_fd(), self._take_async_calls)
        self.loop.run_forever()

    def _take_async_calls(self) -> None:
        for task in _core.take_async_tasks():
            self.loop.create_task(self._run_async_call(task))

    async def _run_async_call(self, task) -> None:
        info = None
        task_id = task.task_id
        if task_id in self._cancelled_calls:  # cancelled before its coroutine started
            self._cancelled_calls.discard(task_id)
            task.finish([], False, False, True)
            return
        self._async_calls[task_id] = asyncio.current_task()
        try:
            if task.has_ref_args:  # fetching them may block: not on the loop
                await self.loop.run_in_executor(None, task.prepare)
            else:
                task.prepare()
            info = task.info()
            result = self._start(info, task.args())
            if inspect.iscoroutine(result):
                result = await result
            out = await self._packed_async(result, info)
        except asyncio.CancelledError as e:
            if task_id in self._cancelled_calls:  # by its caller: reported as cancelled
                out = [], False, False, True
            else:
                info = info or task.info()
                out = self._pack_error(e, info), True, self._retryable(e, info)
        except ActorExit:
            out = self._end_actor(info or task.info())
        except BaseException as e:  # the task's own failure, reported to its caller
            info = info or task.info()
            out = self._pack_error(e, info), True, self._retryable(e, info)
        finally:
            self._async_calls.pop(task_id, None)
            self._cancelled_calls.discard(task_id)
        task.finish(*out)

    def interrupt_async_call(self, task_id: bytes) -> bool:
        """Cancels an async actor's call (any thread); False if this is no async actor."""
        if self.loop is None:
            return False
        self.loop.call_soon_threadsafe(self._cancel_async_call, task_id)
        return True

    def _cancel_async_call(self, task_id: bytes) -> None:
        self._cancelled_calls.add(task_id)
        running = self._async_calls.get(task_id)
        if running is not None:
            running.cancel()

    def _end_actor(self, info: dict):
        """exit_actor() was called: the actor is DEAD at once, this worker exits once the
        call is answered, and the call itself fails like the calls queued behind it."""
        actor_id = _core.current_actor_id()
        _core.end_actor_gracefully(actor_id, False)
        message = (f"The actor {info['class_name']} ({actor_id.hex()}) died because it exited: "
                   f"exit_actor() was called in {info['name']}")
        error = serialization.ERROR_PREFIX + str(serialization.ACTOR_DIED).encode()
        return [(error, message.encode(), [])] * \
            info["num_returns"], True, False

    def _function(self, info: dict):
        if info["type"] == ACTOR_TASK:
            if self.actor is None:
                raise RuntimeError("this worker hosts no actor")
            if info["qualname"] == TERMINATE_METHOD:
                return _terminate
            method = getattr(self.actor, info["qualname"], None)
            if method is None:
                raise AttributeError(f"actor {info['class_name']} has no method {info['qualname']!r}")
            return method
        return self.loader.load(info["module"], info["qualname"], info["function_hash"])

    def _create_actor(self, info: dict, args: list, kwargs: dict) -> None:
        cls = self.loader.load(info["module"], info["qualname"], info["function_hash"])
        log_stream.set_actor(info["actor_id"].hex(), info["class_name"] or cls.__name__)
        if info["is_async"]:
            self.loop = asyncio.new_event_loop()
            threading.Thread(target=self._serve_async_calls, name="actor-event-loop",
                             daemon=True).start()
        self.actor = cls(*args, **kwargs)

    @staticmethod
    def _arg(metadata: bytes, data: bytes):
        value = serialization.deserialize(metadata, data)
        if serialization.is_error(metadata):
            raise value
        return value

    @staticmethod
    def _pack_returns(result, num_returns: int, name: str, caller_language: int) -> list:
        # A caller of another language reads only the language-neutral format.
        if caller_language == LANGUAGE_PYTHON:
            pack = serialization.serialize
        else:
            def pack(value, purpose):
                return serialization.serialize_xlang(value, purpose, "JAVA", role="return")
        if num_returns == 0:
            return []
        if num_returns == 1:
            return [pack(result, f"the return value of {name}")]
        if not isinstance(result, (tuple, list)) or len(result) != num_returns:
            raise ValueError(f"task {name} has num_returns={num_returns} but returned "
                             f"{type(result).__name__} {'of length ' + str(len(result)) if isinstance(result, (tuple, list)) else ''}")
        return [pack(v, f"return value {i} of {name}") for i, v in enumerate(result)]

    @staticmethod
    def _pack_error(e: BaseException, info: dict) -> list:
        if info["caller_language"] != LANGUAGE_PYTHON:
            return [serialization.serialize_xlang_error(e, traceback.format_exc())] * info["num_returns"]
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


def _terminate():
    raise ActorExit()


def main() -> None:
    env = os.environ
    # Modules another language's driver names must be importable (the job's code search path).
    for entry in reversed([p for p in env.get("COLONY_CODE_SEARCH_PATH", "").split(":") if p]):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    job_id = env["COLONY_JOB_ID"]
    log_stream.install()
    executor = TaskExecutor()
    _core.init(False, env["COLONY_GCS_ADDRESS"], env["COLONY_RAYLET_ADDRESS"],
               env.get("COLONY_NODE_IP", "127.0.0.1"), env.get("COLONY_CLUSTER_TOKEN", ""), "", [],
               job_id, env["COLONY_WORKER_ID"], executor,
               exceptions.TaskCancelledError)
    worker_mod.state.mode = "worker"
    try:
        _core.run_task_loop()
    finally:
        # A graceful end (exit_actor, handles gone): the actor's __del__ runs before exit.
        executor.actor = None
        gc.collect()
        _core.shutdown()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
