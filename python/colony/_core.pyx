# cython: language_level=3, embedsignature=True
"""Binding of the C++ core worker. Private: the public API lives in colony/__init__.py."""

from cython.operator cimport dereference as deref
from libcpp cimport bool as cbool
from libcpp.string cimport string
from libcpp.vector cimport vector
from libc.stdint cimport int64_t, uint8_t, uint64_t
from cpython.buffer cimport PyBuffer_FillInfo, PyBUF_WRITABLE
from cpython.memoryview cimport PyMemoryView_FromMemory

from colony._cpp cimport *

cdef extern from "common/memcopy.h" namespace "colony" nogil:
    void CopyLarge(void* dst, const void* src, size_t size)

import os
import threading

cdef extern from "Python.h":
    int PyThreadState_SetAsyncExc(unsigned long, object)
    int ClearAsyncExc "PyThreadState_SetAsyncExc"(unsigned long, void*)
    unsigned long PyThread_get_thread_ident()
    int PyErr_CheckSignals() except -1

cdef CCoreWorker* g_cw = NULL
# Bumped on every init so refs from an earlier session never touch a newer core worker.
cdef int g_generation = 0
cdef object g_executor = None
cdef bytes g_owner_address = b""
cdef object g_interrupt_exception = None
# Set when the running task is cancelled: a get/wait it is blocked in ends at its next
# interrupt check (the asynchronous exception only fires once Python code runs again).
cdef cbool g_cancel_requested = False
cdef bytes g_running_task_id = b""  # the task on the main thread (under the GIL)
cdef unsigned long g_main_thread_id = 0
# Streaming generator tasks running here, by task id: their specs (addresses, valid while
# they run), for report_generator_item.
cdef dict g_streaming_specs = {}
# Serialized values at least this big go to the node's shared-memory store.
cdef uint64_t g_inline_threshold = int(os.environ.get("COLONY_MAX_INLINE_OBJECT_BYTES", 100 * 1024))
cdef int PyBUF_WRITE = 0x200

_collect = threading.local()


class CoreError(Exception):
    """A core worker call failed; `code` is the C++ StatusCode."""

    NOT_FOUND = 2
    ALREADY_EXISTS = 3
    TIMED_OUT = 4
    OBJECT_STORE_FULL = 10
    LIMIT_EXCEEDED = 11

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


cdef check(CStatus status):
    if not status.ok():
        raise CoreError(<int>status.code(), status.message().decode("utf-8", "replace"))


cdef CCoreWorker* core() except NULL:
    if g_cw == NULL:
        raise RuntimeError("colony is not initialized: call colony.init() first")
    return g_cw


def begin_collecting_refs():
    """Start recording ObjectRefs pickled on this thread (they are nested in a value)."""
    _collect.refs = []


def current_collected_refs():
    """The list refs pickled on this thread are recorded into, or None."""
    return getattr(_collect, "refs", None)


def end_collecting_refs():
    refs = getattr(_collect, "refs", None)
    _collect.refs = None
    return refs or []


def _rebuild_ref(bytes object_id, bytes owner_address):
    # The ref (and its local count) first: the owner may answer the registration at once,
    # and an entry nothing holds would be dropped then and come back without its owner.
    ref = ObjectRef(object_id, owner_address)
    if g_cw != NULL:
        g_cw.RegisterRef(CObjectID.FromBinary(object_id), owner_address)
    return ref


cdef class ObjectRef:
    """A reference to an immutable object somewhere in the cluster."""
    cdef CObjectID c_id
    cdef bytes _owner
    cdef int generation

    def __cinit__(self, bytes object_id, bytes owner_address=b""):
        self.c_id = CObjectID.FromBinary(object_id)
        self._owner = owner_address
        self.generation = -1
        if g_cw != NULL:
            g_cw.AddLocalRef(self.c_id)
            self.generation = g_generation

    def __dealloc__(self):
        if g_cw != NULL and self.generation == g_generation:
            g_cw.RemoveLocalRef(self.c_id)

    def binary(self):
        return self.c_id.Binary()

    def hex(self):
        return self.c_id.Hex().decode()

    def task_id(self):
        cdef bytes b = self.c_id.Binary()
        return b[:16].hex()

    def owner_address(self):
        if not self._owner and g_cw != NULL:
            self._owner = g_cw.OwnerAddressOf(self.c_id)
        return self._owner

    def __reduce__(self):
        refs = getattr(_collect, "refs", None)
        if refs is not None:
            refs.append(self)
        return _rebuild_ref, (self.binary(), self.owner_address())

    def __hash__(self):
        return hash(self.c_id.Binary())

    def __eq__(self, other):
        return isinstance(other, ObjectRef) and self.binary() == (<ObjectRef>other).binary()

    def __repr__(self):
        return f"ObjectRef({self.hex()})"

    def future(self):
        """A concurrent.futures.Future that completes with the value (or its error)."""
        if g_future_factory is None:
            raise RuntimeError("colony is not imported properly: no future factory")
        return g_future_factory(self)

    def __await__(self):
        """`await ref` in a coroutine: the value, or the task's error raised."""
        import asyncio
        return asyncio.wrap_future(self.future()).__await__()


g_future_factory = None


def set_future_factory(factory):
    """Installs what ObjectRef.future() calls (colony._private.futures)."""
    global g_future_factory
    g_future_factory = factory


def ready_fd():
    """An eventfd readable whenever take_ready() may return tags."""
    return core().ready_fd()


def generation():
    """Counts colony.init() calls in this process: tells one core worker from the next."""
    return g_generation


def notify_when_ready(ObjectRef ref, uint64_t tag):
    cdef CCoreWorker* cw = core()
    cdef CObjectID c_id = ref.c_id
    with nogil:  # a borrowed ref's fetch from its owner starts here
        cw.NotifyWhenReady(c_id, tag)


def take_ready():
    """The tags whose refs got their values since the last call."""
    cdef CCoreWorker* cw = core()
    try:
        os.read(cw.ready_fd(), 8)  # rearms the eventfd (non-blocking)
    except BlockingIOError:
        pass
    cdef vector[uint64_t] tags = cw.TakeReady()
    return [tags[i] for i in range(tags.size())]


cdef fill_value(CObjectValue* value, bytes metadata, data, list nested_refs):
    if not isinstance(data, (bytes, bytearray, memoryview)):
        data = data.to_bytes()  # a framed value small enough to travel inline
    cdef const unsigned char[::1] view = memoryview(data).cast("B")
    value.set_metadata(metadata)
    if view.shape[0] > 0:
        value.set_data(<const char*>&view[0], view.shape[0])
    fill_refs(value, nested_refs)


cdef fill_refs(CObjectValue* value, list nested_refs):
    for ref in nested_refs:
        AddNestedRef(value, (<ObjectRef>ref).binary(), (<ObjectRef>ref).owner_address())


cdef uint64_t size_of(data):
    return len(data) if isinstance(data, (bytes, bytearray)) else data.nbytes


cdef write_shared(CCoreWorker* cw, CObjectID object_id, bytes metadata, data, uint64_t size):
    """Copies a serialized value into a new shared-memory object (not sealed yet): bytes, a
    framed value's parts, or what a value with write_into(buffer) writes itself."""
    cdef uint8_t* base = NULL
    cdef string c_metadata = metadata
    cdef CStatus status
    with nogil:
        status = cw.CreateShared(object_id, c_metadata, size, &base)
    check(status)
    cdef const unsigned char[::1] src
    cdef uint64_t offset, n
    try:
        if hasattr(data, "write_into"):  # a writer of its own bytes (an Arrow stream)
            data.write_into(PyMemoryView_FromMemory(<char*>base, size, PyBUF_WRITE))
            return
        parts = [(0, data)] if isinstance(data, (bytes, bytearray)) else data.parts()
        for offset, part in parts:
            src = memoryview(part).cast("B")
            n = src.shape[0]
            if n == 0:
                continue
            if offset + n > size:
                raise ValueError("serialized frame overflows its object")
            with nogil:
                CopyLarge(base + offset, &src[0], n)
    except BaseException:
        cw.AbortShared(object_id)
        raise


cdef class SharedBuffer:
    """Read-only bytes of a shared-memory object; the object stays mapped while any view
    (a memoryview, a numpy array made from one) of this buffer lives."""
    cdef shared_ptr[CSharedObject] obj

    def __getbuffer__(self, Py_buffer* buf, int flags):
        if flags & PyBUF_WRITABLE:
            raise BufferError("objects in the object store are immutable (read-only)")
        PyBuffer_FillInfo(buf, self, <void*>self.obj.get().data(), self.obj.get().size(), 1, flags)

    def __releasebuffer__(self, Py_buffer* buf):
        pass


cdef object data_of(const CObjectData& obj):
    cdef SharedBuffer shared
    if obj.shared.get() != NULL:
        shared = SharedBuffer.__new__(SharedBuffer)
        shared.obj = obj.shared
        return memoryview(shared)
    return obj.value.get().data()


# ------------------------------------------------------------------ lifecycle

def init(bint is_driver, str gcs_address, str raylet_address, str node_ip, str token,
         str namespace, list code_search_path, str job_id_hex="", str worker_id_hex="",
         executor=None, interrupt_exception=None, int java_actors_per_worker=1,
         scheduling_spread_threshold=None, str virtual_cluster_id="",
         dict job_cluster_replica_sets=None):
    global g_cw, g_generation, g_executor, g_interrupt_exception, g_main_thread_id, g_owner_address
    if g_cw != NULL:
        raise RuntimeError("the core worker is already initialized")
    cdef CCoreWorkerOptions options
    options.is_driver = is_driver
    options.gcs_address = gcs_address.encode()
    options.raylet_address = raylet_address.encode()
    options.node_ip = node_ip.encode()
    options.token = token.encode()
    options.namespace_name = namespace.encode()
    options.job_id_hex = job_id_hex.encode()
    options.worker_id_hex = worker_id_hex.encode()
    import os
    options.driver_pid = os.getpid()
    options.max_inline_object_bytes = g_inline_threshold
    for path in code_search_path:
        options.job_config.add_code_search_path()[0] = path.encode()
    options.job_config.set_java_actors_per_worker(java_actors_per_worker)
    if scheduling_spread_threshold is not None:
        options.job_config.set_scheduling_spread_threshold(scheduling_spread_threshold)
    options.job_config.set_virtual_cluster_id(virtual_cluster_id.encode())
    for node_type, count in (job_cluster_replica_sets or {}).items():
        SetJobClusterReplicas(&options.job_config, node_type.encode(), count)
    options.check_interrupt = _check_interrupt
    if not is_driver:
        options.executor = _execute_task
        options.interrupt = _interrupt_task
        g_executor = executor
        g_interrupt_exception = interrupt_exception
        g_main_thread_id = threading.main_thread().ident
    cdef CStatus status
    cdef CCoreWorker* cw
    with nogil:
        cw = CCoreWorker.Create(options, &status)
    check(status)
    g_generation += 1
    g_cw = cw
    # Every ref this process owns names this address: one bytes object shared by all.
    g_owner_address = cw.SerializedAddress()


def shutdown():
    global g_cw
    cdef CCoreWorker* cw = g_cw
    if cw == NULL:
        return
    g_cw = NULL
    with nogil:
        cw.Shutdown()
    # Deliberately not deleted: gRPC threads may still run callbacks that reference it.


def is_initialized():
    return g_cw != NULL


def run_task_loop():
    cdef CCoreWorker* cw = core()
    with nogil:
        cw.RunTaskLoop()


# ------------------------------------------------------------------ objects

def put(bytes metadata, data, list nested_refs):
    """data: bytes, or a framed value (serialization.Framed) with parts() and nbytes."""
    cdef CObjectValue value
    cdef CObjectID object_id
    cdef CCoreWorker* cw = core()
    cdef uint64_t size = size_of(data)
    cdef CStatus status
    if size < g_inline_threshold:
        fill_value(&value, metadata, data, nested_refs)
        check(cw.Put(value, &object_id))
    else:
        object_id = cw.NextPutId()
        write_shared(cw, object_id, metadata, data, size)
        value.set_metadata(metadata)
        value.set_plasma_size(size)
        fill_refs(&value, nested_refs)
        with nogil:
            status = cw.SealPut(object_id, &value)
        check(status)
    return ObjectRef(object_id.Binary(), g_owner_address)


def inline_threshold():
    return g_inline_threshold


def set_inline_threshold(uint64_t size):
    global g_inline_threshold
    g_inline_threshold = size


def store_stats():
    """This node's shared-memory store: a dict of its figures."""
    cdef CStoreStats stats
    check(core().SharedStoreStats(&stats))
    return {"capacity": stats.capacity, "used_bytes": stats.used_bytes,
            "num_objects": stats.num_objects, "num_spilled": stats.num_spilled,
            "spilled_bytes": stats.spilled_bytes, "total_evicted": stats.total_evicted,
            "total_spilled": stats.total_spilled, "total_restored": stats.total_restored}


def shared_region():
    """(base address, size) of the shared region as this process maps it."""
    cdef pair[const uint8_t*, uint64_t] region = core().SharedRegion()
    return <size_t>region.first, region.second


def delete_shared_copy(ObjectRef ref):
    """Test hook: drops the store's copy as if its node had lost it."""
    check(core().DeleteSharedCopy(ref.c_id))


cdef vector[CObjectID] to_ids(list refs) except *:
    cdef vector[CObjectID] ids
    ids.reserve(len(refs))
    for ref in refs:
        ids.push_back((<ObjectRef>ref).c_id)
    return ids


cdef object g_pending_interrupt = None


cdef cbool _check_interrupt() noexcept with gil:
    """A blocked get/wait asks about once a second: a signal handler that raised (Ctrl-C)
    ends the wait, and the caller raises what it raised."""
    global g_pending_interrupt, g_cancel_requested
    if g_cancel_requested and PyThread_get_thread_ident() == g_main_thread_id:
        g_cancel_requested = False
        ClearAsyncExc(g_main_thread_id, NULL)  # raised by the wait instead
        g_pending_interrupt = g_interrupt_exception("the task was cancelled while it waited")
        return True
    try:
        PyErr_CheckSignals()
    except BaseException as e:
        g_pending_interrupt = e
        return True
    return False


cdef raise_pending_interrupt():
    global g_pending_interrupt
    if g_pending_interrupt is not None:
        e, g_pending_interrupt = g_pending_interrupt, None
        raise e


def get(list refs, int64_t timeout_ms):
    """Returns [(metadata, data)], or None if the timeout passed first. Returns as soon as
    any value is an error: the values still missing then are None."""
    cdef CCoreWorker* cw = core()
    cdef vector[CObjectID] ids = to_ids(refs)
    cdef vector[CObjectData] values
    cdef CStatus status
    # One wait however long (Ctrl-C ends it through _check_interrupt): slices would
    # re-register a get of a million refs once a second.
    with nogil:
        status = cw.Get(ids, timeout_ms, &values, True)
    raise_pending_interrupt()
    if not status.ok():
        if <int>status.code() == CoreError.TIMED_OUT:
            return None
        check(status)
    out = []
    for i in range(values.size()):
        if values[i].value.get() == NULL:
            out.append(None)
        else:
            out.append((values[i].value.get().metadata(), data_of(values[i])))
    return out


def wait(list refs, int num_returns, int64_t timeout_ms, bint fetch_local=True):
    cdef CCoreWorker* cw = core()
    cdef vector[CObjectID] ids = to_ids(refs)
    cdef vector[cbool] ready
    cdef CStatus status
    with nogil:
        status = cw.Wait(ids, num_returns, timeout_ms, fetch_local, &ready)
    raise_pending_interrupt()
    check(status)
    return [bool(ready[i]) for i in range(ready.size())]


# ------------------------------------------------------------------ tasks

cdef fill_args(CTaskSpec* spec, list args, list kwarg_names):
    """args: ObjectRef (passed by reference) or (metadata, data, nested_refs) inline."""
    cdef CObjectValue* value
    for arg in args:
        if isinstance(arg, ObjectRef):
            AddRefArg(spec, (<ObjectRef>arg).binary(), (<ObjectRef>arg).owner_address())
        else:
            value = AddValueArg(spec)
            fill_value(value, arg[0], arg[1], arg[2])
    for kw in kwarg_names:
        spec.add_kwarg_names()[0] = kw.encode()


cdef set_function(CTaskSpec* spec, str module, str qualname, bytes function_hash, tuple java):
    """A Python function by module/qualname/hash, or, with `java` = (class, method,
    signature), a Java one (the spec's language becomes JAVA)."""
    if java is None:
        SetPythonFunction(spec, module.encode(), qualname.encode(), function_hash)
    else:
        SetJavaFunction(spec, java[0].encode(), java[1].encode(), java[2].encode())


cdef set_strategy(CTaskSpec* spec, tuple strategy):
    """strategy: None (DEFAULT) or (kind, node_id_hex, soft, hard_matches, soft_matches,
    placement_group) as made by colony.util.scheduling_strategies.to_tuple."""
    if strategy is None:
        return
    SetSchedulingStrategy(spec, strategy[0], strategy[1].encode(), strategy[2])
    cdef vector[string] values
    for hard, matches in ((True, strategy[3]), (False, strategy[4])):
        for key, op, label_values in matches:
            values.clear()
            for v in label_values:
                values.push_back(v.encode())
            AddLabelMatch(spec, hard, key.encode(), op, values)
    if strategy[5] is not None:
        pg_id, bundle_index, capture = strategy[5]
        SetPlacementGroupStrategy(spec, pg_id.encode(), bundle_index, capture)


cdef set_runtime_env(CTaskSpec* spec, tuple runtime_env):
    """runtime_env: None, or (canonical JSON, hash) from colony._private.runtime_env."""
    if runtime_env is not None:
        spec.set_runtime_env_json(runtime_env[0].encode())
        spec.set_runtime_env_hash(runtime_env[1].encode())


cdef set_streaming(CTaskSpec* spec, int64_t backpressure):
    if backpressure >= 0:
        spec.set_streaming_generator(True)
        spec.set_generator_backpressure_num_objects(backpressure)
        spec.set_num_returns(1)  # ends the stream: the item count, or the task's failure


def submit_task(str module, str qualname, bytes function_hash, str name, list args,
                list kwarg_names, int num_returns, dict resources, int max_retries,
                bint retry_exceptions, bytes retry_allowlist, tuple java=None,
                tuple strategy=None, int max_calls=0, int64_t streaming_backpressure=-1,
                tuple runtime_env=None):
    """`streaming_backpressure` >= 0: a streaming generator task (0 = no window); its one
    return ends the stream."""
    cdef CCoreWorker* cw = core()
    cdef CTaskSpec spec
    set_function(&spec, module, qualname, function_hash, java)
    set_strategy(&spec, strategy)
    set_runtime_env(&spec, runtime_env)
    spec.set_name(name.encode())
    spec.set_num_returns(num_returns)
    set_streaming(&spec, streaming_backpressure)
    spec.set_max_retries(max_retries)
    spec.set_max_calls(max_calls)
    spec.set_retry_exceptions(retry_exceptions)
    spec.set_retry_exception_allowlist(retry_allowlist)
    for key, amount in resources.items():
        SetTaskResource(&spec, key.encode(), amount)
    fill_args(&spec, args, kwarg_names)
    cdef vector[CObjectID] ids
    with nogil:
        ids = cw.SubmitTask(&spec)
    cdef bytes owner = g_owner_address
    return [ObjectRef(ids[i].Binary(), owner) for i in range(ids.size())]


# ------------------------------------------------------------------ actors

def create_actor(str module, str qualname, bytes function_hash, list args, list kwarg_names,
                 dict resources, dict options, bint get_if_exists, tuple java=None,
                 tuple strategy=None, tuple runtime_env=None):
    """Returns (actor_id, existed, handle_token): the token is the ref every handle of a
    non-detached actor holds (None if detached); the last one dropped ends the actor."""
    cdef CCoreWorker* cw = core()
    cdef CTaskSpec spec
    cdef CActorCreationOptions opts
    set_function(&spec, module, qualname, function_hash, java)
    set_strategy(&spec, strategy)
    set_runtime_env(&spec, runtime_env)
    spec.set_name(qualname.encode())
    for key, amount in resources.items():
        SetTaskResource(&spec, key.encode(), amount)
    fill_args(&spec, args, kwarg_names)
    opts.name = options["name"].encode()
    opts.ns = options["namespace"].encode()
    opts.detached = options["detached"]
    opts.max_restarts = options["max_restarts"]
    opts.max_task_retries = options["max_task_retries"]
    opts.max_concurrency = options["max_concurrency"]
    opts.max_pending_calls = options["max_pending_calls"]
    opts.is_async = options["is_async"]
    opts.class_name = qualname.encode()
    for option in options.get("jvm_options") or []:
        opts.jvm_options.push_back(option.encode())
    for group, concurrency in (options.get("concurrency_groups") or {}).items():
        opts.concurrency_groups[group.encode()] = concurrency
    SetActorCreation(&spec, opts)
    cdef string actor_id
    cdef cbool existed = False
    cdef CStatus status
    cdef CActorTableData data
    with nogil:
        status = cw.CreateActor(&spec, get_if_exists, &actor_id, &existed, &data)
    check(status)
    return actor_id, existed, handle_token_of(HandleInfoOf(data))


cdef object handle_token_of(const CActorHandleInfo& info):
    """The actor's handle token as a ref (registered with its owner), or None if detached."""
    if info.handle_token.empty():
        return None
    return _rebuild_ref(info.handle_token, info.owner_address)


def submit_actor_task(bytes actor_id, str class_name, str method, list args, list kwarg_names,
                      int num_returns, str name, bint java=False, ObjectRef token=None,
                      int64_t streaming_backpressure=-1, str concurrency_group=""):
    cdef CCoreWorker* cw = core()
    cdef CTaskSpec spec
    if java:
        SetJavaFunction(&spec, class_name.encode(), method.encode(), b"")
    else:
        SetActorMethod(&spec, class_name.encode(), method.encode())
    spec.set_name(name.encode())
    spec.set_num_returns(num_returns)
    set_streaming(&spec, streaming_backpressure)
    spec.set_concurrency_group(concurrency_group.encode())
    fill_args(&spec, args, kwarg_names)
    cdef vector[CObjectID] ids
    cdef string c_actor_id = actor_id
    cdef string c_token = token.binary() if token is not None else b""
    cdef CStatus status
    with nogil:
        status = cw.SubmitActorTask(c_actor_id, &spec, &ids, c_token)
    check(status)
    cdef bytes owner = g_owner_address
    return [ObjectRef(ids[i].Binary(), owner) for i in range(ids.size())]


def add_actor_handle(bytes actor_id, int max_pending_calls, int max_task_retries):
    if g_cw != NULL:
        g_cw.AddActorHandle(actor_id, max_pending_calls, max_task_retries)


def list_named_actors(bint all_namespaces):
    """[(name, namespace)] of the live named actors (this job's namespace, or all)."""
    cdef CCoreWorker* cw = core()
    cdef vector[CActorTableData] actors
    cdef CStatus status
    with nogil:
        status = cw.ListNamedActors(all_namespaces, &actors)
    check(status)
    cdef CActorHandleInfo info
    out = []
    for i in range(actors.size()):
        info = HandleInfoOf(actors[i])
        out.append((info.options.name.decode(), info.options.ns.decode()))
    return out


def get_actor_info(bytes actor_id, str name, str namespace):
    """The GCS's record of a live actor as a dict, or None."""
    cdef CActorTableData data
    cdef cbool found = False
    cdef CCoreWorker* cw = core()
    cdef string c_id = actor_id
    cdef string c_name = name.encode()
    cdef string c_ns = namespace.encode()
    cdef CStatus status
    with nogil:
        status = cw.GetActorInfo(c_id, c_name, c_ns, &data, &found)
    check(status)
    if not found:
        return None
    cdef CActorHandleInfo info = HandleInfoOf(data)
    return {
        "actor_id": info.actor_id, "state": info.state,
        "module": info.module_name.decode(), "qualname": info.qualname.decode(),
        "function_hash": info.function_hash, "name": info.options.name.decode(),
        "namespace": info.options.ns.decode(), "max_task_retries": info.options.max_task_retries,
        "max_pending_calls": info.options.max_pending_calls, "is_async": info.options.is_async,
        "max_concurrency": info.options.max_concurrency,
        "language": info.language, "java_class": info.java_class.decode(),
        "handle_token": handle_token_of(info),
    }


def kill_actor(bytes actor_id, bint no_restart):
    cdef CCoreWorker* cw = core()
    cdef string c_id = actor_id
    cdef CStatus status
    with nogil:
        status = cw.KillActor(c_id, no_restart, False, DEATH_KILLED)
    check(status)


def end_actor_gracefully(bytes actor_id, bint out_of_scope):
    """The actor is DEAD at once (EXITED, or OUT_OF_SCOPE when its handles are gone) and
    its worker exits normally once its running call is done."""
    cdef CCoreWorker* cw = core()
    cdef string c_id = actor_id
    cdef CStatus status
    cdef CDeathCause cause = DEATH_OUT_OF_SCOPE if out_of_scope else DEATH_EXITED
    with nogil:
        status = cw.KillActor(c_id, True, True, cause)
    check(status)


def current_actor_id():
    """The id of the actor this worker hosts (b"" if none)."""
    cdef CCoreWorker* cw = core()
    return b"" if cw.current_actor_id().IsNil() else cw.current_actor_id().Binary()


def cancel(ObjectRef ref, bint force, bint recursive):
    cdef CCoreWorker* cw = core()
    cdef CObjectID c_id = ref.c_id
    cdef CStatus status
    with nogil:  # a borrowed ref's owner is asked over RPC
        status = cw.CancelTask(c_id, force, recursive)
    check(status)


cdef fill_return(const CTaskSpec& spec, CReturnObject* ret, bytes metadata, data, list nested):
    cdef CObjectValue* value = ret.mutable_value()
    cdef uint64_t size = size_of(data)
    cdef CObjectID object_id
    cdef CStatus status
    if size >= g_inline_threshold:
        object_id = CObjectID.FromBinary(ret.object_id())
        try:
            write_shared(g_cw, object_id, metadata, data, size)
        except CoreError as e:
            if e.code == CoreError.OBJECT_STORE_FULL:
                fill_value(value, b"ERROR:7", str(e).encode(), [])
                return
            if e.code != CoreError.ALREADY_EXISTS:
                raise
            # A copy from an earlier attempt is still there (being deleted): send this one inline.
            fill_value(value, metadata, data, nested)
        else:
            value.set_metadata(metadata)
            value.set_plasma_size(size)
            fill_refs(value, nested)
            with nogil:
                status = g_cw.SealReturn(object_id, spec, value)
            check(status)
    else:
        fill_value(value, metadata, data, nested)
    # Before `nested` is dropped: the caller must be counted as a borrower of these refs.
    g_cw.PrepareReturnedRefs(spec, deref(value))


cdef dict task_info(const CTaskSpec& spec):
    cdef const CPythonFunctionDescriptor* fn = &spec.function().python()
    return {
        "module": fn.module_name().decode(),
        "qualname": fn.qualname().decode(),
        "function_hash": fn.function_hash(),
        "name": spec.name().decode(),
        "task_id": spec.task_id(),
        "actor_id": spec.actor_id(),
        "num_returns": spec.num_returns(),
        "retry_exceptions": spec.retry_exceptions(),
        "retry_allowlist": spec.retry_exception_allowlist(),
        "attempt_number": spec.attempt_number(),
        "kwarg_names": [spec.kwarg_names(i).decode() for i in range(spec.kwarg_names_size())],
        "type": TaskTypeOf(spec),
        "class_name": fn.class_name().decode(),
        "is_async": spec.actor_creation().is_async(),
        "caller_language": CallerLanguageOf(spec),
        "num_cpus": TaskCpus(spec),
        "streaming": spec.streaming_generator(),
    }


cdef list py_args(const vector[CObjectData]& args):
    return [(args[i].value.get().metadata(), data_of(args[i])) for i in range(args.size())]


cdef fill_reply(const CTaskSpec& spec, CPushTaskReply* reply, list results, bint is_app_error,
                bint is_retryable):
    cdef CReturnObject* ret
    cdef string task_id = spec.task_id()
    for index, (metadata, data, nested) in enumerate(results):
        ret = reply.add_returns()
        ret.set_object_id(ReturnObjectId(task_id, index + 1))
        fill_return(spec, ret, metadata, data, nested)
    reply.set_is_application_error(is_app_error)
    reply.set_is_retryable_error(is_retryable)


cdef void _execute_task(const CTaskSpec& spec, const vector[CObjectData]& args,
                        CPushTaskReply* reply) noexcept with gil:
    global g_cancel_requested, g_running_task_id
    if PyThread_get_thread_ident() == g_main_thread_id:
        # A cancel that arrived as the previous task ended was meant for that one.
        g_cancel_requested = False
        ClearAsyncExc(g_main_thread_id, NULL)
        g_running_task_id = spec.task_id()
    cdef bytes task_id = spec.task_id()
    try:
        info = task_info(spec)
        if spec.streaming_generator():
            g_streaming_specs[task_id] = <size_t>&spec
        values = py_args(args)
        results, is_app_error, is_retryable = g_executor(info, values)
        del values
        fill_reply(spec, reply, results, is_app_error, is_retryable)
    except BaseException:
        import traceback
        traceback.print_exc()
        reply.set_is_application_error(True)
    finally:
        g_streaming_specs.pop(task_id, None)


# ------------------------------------------------------------------ streaming generators

GENERATOR_ITEM, GENERATOR_END, GENERATOR_TIMED_OUT, GENERATOR_UNKNOWN = 0, 1, 2, 3


def report_generator_item(bytes task_id, int64_t index, bytes metadata, data, list nested):
    """Executor: sends item `index` of the running streaming task to its caller, waiting
    while the caller's back-pressure window is full. True: the caller wants no more."""
    cdef size_t address = g_streaming_specs.get(task_id, 0)
    if address == 0:
        raise RuntimeError(f"no streaming task {task_id.hex()} is running in this worker")
    cdef const CTaskSpec* spec = <const CTaskSpec*>address
    cdef CReturnObject item
    item.set_object_id(ReturnObjectId(task_id, <uint32_t>(index + 2)))
    fill_return(deref(spec), &item, metadata, data, nested)
    cdef cbool stop = False
    cdef CStatus status
    cdef CCoreWorker* cw = core()
    with nogil:
        status = cw.ReportGeneratorItem(deref(spec), index, &item, &stop)
    check(status)
    return stop


def generator_next(bytes task_id, int64_t index, int64_t timeout_ms):
    """Caller: (kind, item object id or None) for item `index` of a streaming task."""
    cdef CTaskID c_task = CTaskID.FromBinary(task_id)
    cdef CGeneratorNext next_item
    cdef CCoreWorker* cw = core()
    with nogil:
        next_item = cw.GeneratorNext(c_task, index, timeout_ms)
    if next_item.kind == GENERATOR_ITEM:
        return GENERATOR_ITEM, next_item.id.Binary()
    return next_item.kind, None


def generator_consumed(bytes task_id, int64_t index):
    if g_cw != NULL:
        g_cw.GeneratorConsumed(CTaskID.FromBinary(task_id), index)


def generator_stop(bytes task_id, bint forget):
    if g_cw != NULL:
        g_cw.GeneratorStop(CTaskID.FromBinary(task_id), forget)


cdef class AsyncTask:
    """A call to this worker's async actor, run by its event loop: prepare() (may block
    while ref arguments are fetched), then info()/args(), then finish() exactly once."""
    cdef CAsyncTask* task

    @property
    def has_ref_args(self):
        return CCoreWorker.HasRefArgs(deref(self.task.pending.spec))

    def prepare(self):
        cdef CCoreWorker* cw = core()
        with nogil:
            cw.PrepareAsyncTask(self.task)

    @property
    def task_id(self):
        return deref(self.task.pending.spec).task_id()

    def info(self):
        cdef const CTaskSpec* spec = self.task.pending.spec
        if spec.streaming_generator():
            g_streaming_specs[spec.task_id()] = <size_t>spec
        return task_info(deref(spec))

    def args(self):
        return py_args(self.task.args)

    def finish(self, list results, bint is_app_error, bint is_retryable, bint cancelled=False):
        """Sends the reply; `cancelled`: the call was cancelled before it finished."""
        cdef CAsyncTask* task = self.task
        if task == NULL:
            raise RuntimeError("this call was finished already")
        try:
            if cancelled:
                task.pending.reply.set_cancelled(True)
            else:
                fill_reply(deref(task.pending.spec), task.pending.reply, results, is_app_error,
                           is_retryable)
        except BaseException:
            import traceback
            traceback.print_exc()
            task.pending.reply.set_is_application_error(True)
        self.task = NULL
        g_streaming_specs.pop(deref(task.pending.spec).task_id(), None)
        cdef CCoreWorker* cw = core()
        with nogil:
            cw.FinishAsyncTask(task)

    def __dealloc__(self):
        # Dropped unfinished (its coroutine was lost): the caller still gets a reply.
        if self.task != NULL and g_cw != NULL:
            self.task.pending.reply.set_is_application_error(True)
            g_cw.FinishAsyncTask(self.task)


def async_task_fd():
    """Readable whenever take_async_tasks() may have calls for this async actor."""
    return core().async_task_fd()


def take_async_tasks():
    """The calls the async actor may start now (up to its max_concurrency running)."""
    cdef CCoreWorker* cw = core()
    cdef CAsyncTask* task
    try:
        os.read(cw.async_task_fd(), 8)  # rearms the eventfd (non-blocking)
    except BlockingIOError:
        pass
    out = []
    while True:
        task = cw.TakeAsyncTask()
        if task == NULL:
            return out
        wrapper = AsyncTask.__new__(AsyncTask)
        (<AsyncTask>wrapper).task = task
        out.append(wrapper)


cdef void _interrupt_task(const string& task_id) noexcept with gil:
    global g_cancel_requested
    cdef bytes interrupted = task_id
    # An async actor's call is a coroutine on its event loop: cancel that, never the thread.
    try:
        if g_executor.interrupt_async_call(interrupted):
            return
    except BaseException:
        import traceback
        traceback.print_exc()
        return
    if interrupted != g_running_task_id:
        return  # it ended; the main thread runs another task by now
    g_cancel_requested = True
    PyThreadState_SetAsyncExc(g_main_thread_id, g_interrupt_exception)


# ------------------------------------------------------------------ cluster state

# The KV calls release the GIL: while the GCS restarts they retry for up to a minute
# (rpc/gcs_retry.h), and the process's other threads must go on meanwhile.
def kv_put(str ns, bytes key, bytes value, bint overwrite=True):
    cdef cbool added = False
    cdef CCoreWorker* cw = core()
    cdef string c_ns = ns.encode()
    cdef string c_key = key
    cdef string c_value = value
    cdef CStatus status
    with nogil:
        status = cw.KvPut(c_ns, c_key, c_value, overwrite, &added)
    check(status)
    return added


def kv_get(str ns, bytes key):
    cdef string value
    cdef cbool found = False
    cdef CCoreWorker* cw = core()
    cdef string c_ns = ns.encode()
    cdef string c_key = key
    cdef CStatus status
    with nogil:
        status = cw.KvGet(c_ns, c_key, &value, &found)
    check(status)
    return value if found else None


def kv_del(str ns, bytes key, bint by_prefix=False):
    cdef int64_t deleted = 0
    cdef CCoreWorker* cw = core()
    cdef string c_ns = ns.encode()
    cdef string c_key = key
    cdef CStatus status
    with nogil:
        status = cw.KvDel(c_ns, c_key, by_prefix, &deleted)
    check(status)
    return deleted


def kv_keys(str ns, bytes prefix):
    cdef vector[string] keys
    cdef CCoreWorker* cw = core()
    cdef string c_ns = ns.encode()
    cdef string c_prefix = prefix
    cdef CStatus status
    with nogil:
        status = cw.KvKeys(c_ns, c_prefix, &keys)
    check(status)
    return list(keys)


def virtual_cluster_call(str gcs_address, str token, str method, str request_json,
                         bint retry=True):
    """One VirtualClusterService call (CreateOrUpdateVirtualCluster, RemoveVirtualCluster,
    GetVirtualClusters) with its request as protobuf JSON; returns the reply's JSON. Needs no
    connected driver. The GIL is released: with `retry` the call waits out a restarting GCS;
    without, an unreachable GCS fails it at once."""
    cdef CVirtualClusterClient* client = new CVirtualClusterClient(gcs_address.encode(),
                                                                   token.encode())
    cdef string c_method = method.encode()
    cdef string c_request = request_json.encode()
    cdef string c_reply
    cdef CStatus status
    try:
        with nogil:
            status = client.Call(c_method, c_request, &c_reply, retry)
    finally:
        del client
    check(status)
    return c_reply.decode()


def nodes():
    cdef vector[CNodeSnapshot] snapshot
    cdef CCoreWorker* cw = core()
    cdef CStatus status
    with nogil:
        status = cw.GetAllNodes(&snapshot)
    check(status)
    out = []
    for n in snapshot:
        out.append({
            "NodeID": n.node_id_hex.decode(),
            "Alive": n.alive,
            "NodeManagerAddress": n.ip.decode(),
            "NodeManagerPort": n.port,
            "Resources": {k.decode(): v for k, v in n.resources_total},
            "AvailableResources": {k.decode(): v for k, v in n.resources_available},
            "Labels": {k.decode(): v.decode() for k, v in n.labels},
            "DeathReason": n.death_reason.decode(),
        })
    return out


def context():
    cdef CCoreWorker* cw = core()
    task = cw.current_task_id()
    return {
        "job_id": cw.job_id().Hex().decode(),
        "worker_id": cw.worker_id().Hex().decode(),
        "node_id": cw.node_id().Hex().decode(),
        "task_id": task.Hex().decode(),
        "namespace": cw.namespace_name().decode(),
        "is_driver": cw.is_driver(),
        "actor_id": None if cw.current_actor_id().IsNil() else cw.current_actor_id().Hex().decode(),
    }


# ------------------------------------------------------------------ logs (docs/observability.md)

cdef CLogSubscriber* g_log_subscriber = NULL


def start_log_subscriber(str gcs_address, str token, str job_id_hex, int64_t dedup_window_ms):
    """Starts long-polling the GCS for this job's worker output (one per process)."""
    global g_log_subscriber
    if g_log_subscriber != NULL:
        raise RuntimeError("the log subscriber is already running")
    g_log_subscriber = StartGcsLogSubscriber(gcs_address.encode(), token.encode(),
                                             job_id_hex.encode(), dedup_window_ms)


def next_log_lines(int64_t timeout_ms):
    """[(is_err, bytes line)] within timeout_ms (maybe none); None once stopped and drained."""
    cdef CLogSubscriber* subscriber = g_log_subscriber
    cdef vector[CLogLine] lines
    cdef cbool more
    if subscriber == NULL:
        return None
    with nogil:
        more = subscriber.Next(timeout_ms, &lines)
    if not more:
        return None
    return [(line.is_err, <bytes>line.text) for line in lines]


def stop_log_subscriber():
    """Stops polling; next_log_lines then hands out what is left and returns None."""
    cdef CLogSubscriber* subscriber = g_log_subscriber
    if subscriber != NULL:
        with nogil:
            subscriber.Stop()


def release_log_subscriber():
    """Frees the stopped subscriber, once no thread is in next_log_lines."""
    global g_log_subscriber
    cdef CLogSubscriber* subscriber = g_log_subscriber
    g_log_subscriber = NULL
    if subscriber != NULL:
        with nogil:
            subscriber.Stop()
        del subscriber


def list_node_logs(str raylet_address, str token):
    """The log files and worker processes of the node whose raylet is at raylet_address."""
    cdef CNodeLogListing listing
    cdef CStatus status
    cdef string c_address = raylet_address.encode()
    cdef string c_token = token.encode()
    with nogil:
        status = ListNodeLogs(c_address, c_token, &listing)
    check(status)
    return {
        "node_id": listing.node_id_hex.decode(),
        "files": [{"name": f.name.decode(errors="replace"), "size": f.size,
                   "modified_ms": f.modified_ms} for f in listing.files],
        "workers": [{"pid": w.pid, "worker_ids": [i.decode() for i in w.worker_ids_hex],
                     "job_id": w.job_id_hex.decode(), "language": w.language.decode(),
                     "out_file": w.out_file.decode(), "err_file": w.err_file.decode(),
                     "started_ms": w.started_ms} for w in listing.workers],
    }


def read_node_log(str raylet_address, str token, str name, int64_t offset, uint64_t max_bytes):
    """(data bytes, offset of data, file size) of one log file of that node."""
    cdef CNodeLogChunk chunk
    cdef CStatus status
    cdef string c_address = raylet_address.encode()
    cdef string c_token = token.encode()
    cdef string c_name = name.encode()
    with nogil:
        status = ReadNodeLog(c_address, c_token, c_name, offset, max_bytes, &chunk)
    check(status)
    return <bytes>chunk.data, chunk.offset, chunk.size


def node_stats(str raylet_address, str token, int64_t timeout_ms=10000):
    """That raylet's GetNodeStats reply as a dict (protobuf JSON names: numWorkers, ...);
    needs no connected driver (the node's metrics agent is not one)."""
    cdef string c_address = raylet_address.encode()
    cdef string c_token = token.encode()
    cdef string out
    cdef CStatus status
    with nogil:
        status = GetNodeStatsJson(c_address, c_token, timeout_ms, &out)
    check(status)
    import json
    return json.loads(out.decode())


def agent_kv_put(str gcs_address, str token, str ns, bytes key, bytes value,
                 int64_t timeout_ms=10000):
    """KvPut (overwrite) straight to the GCS, for agents that are not drivers."""
    cdef string c_address = gcs_address.encode()
    cdef string c_token = token.encode()
    cdef string c_ns = ns.encode()
    cdef string c_key = key
    cdef string c_value = value
    cdef CStatus status
    with nogil:
        status = GcsKvPut(c_address, c_token, c_ns, c_key, c_value, timeout_ms)
    check(status)


def actor_location(bytes actor_id):
    """(node id hex, worker id hex) of the actor's (last) worker, or None if unknown."""
    cdef CActorTableData data
    cdef cbool found = False
    cdef CCoreWorker* cw = core()
    cdef string c_id = actor_id
    cdef string empty = b""
    cdef CStatus status
    with nogil:
        status = cw.GetActorInfo(c_id, empty, empty, &data, &found)
    check(status)
    if not found:
        return None
    cdef const CLogActorAddress* address = &(<CLogActorTableData*>&data).address()
    cdef bytes node_id = address.node_id()
    cdef bytes worker_id = address.worker_id()
    if not node_id or not worker_id:
        return None
    return node_id.hex(), worker_id.hex()


# ------------------------------------------------------------------ state API (docs/observability.md)

def flush_task_events():
    """Sends this process's buffered task events to the GCS now (no-op when not connected)."""
    if g_cw == NULL:
        return
    with nogil:
        g_cw.FlushTaskEvents()


def gcs_state_query(str gcs_address, str token, str method, str request_json):
    """One GCS read for colony.util.state: the reply of `method` as a JSON string."""
    cdef string c_address = gcs_address.encode()
    cdef string c_token = token.encode()
    cdef string c_method = method.encode()
    cdef string c_request = request_json.encode()
    cdef string reply
    cdef CStatus status
    with nogil:
        status = GcsStateCallJson(c_address, c_token, c_method, c_request, &reply)
    check(status)
    return reply.decode("utf-8", "replace")


# ------------------------------------------------------------------ placement groups

from libcpp.map cimport map as cmap


cdef CPlacementGroupClient* pg_client() except NULL:
    return PlacementGroupsOf(core())


def create_placement_group(str pg_id_hex, list bundles, int strategy, str name, bint detached):
    """bundles: [{resource: amount}]; strategy: the proto Strategy number. The group is
    recorded by the GCS (pending until placed) when this returns."""
    cdef CCoreWorker* cw = core()
    cdef vector[cmap[string, double]] c_bundles
    cdef cmap[string, double] one
    for bundle in bundles:
        one.clear()
        for key, amount in bundle.items():
            one[key.encode()] = amount
        c_bundles.push_back(one)
    cdef CPlacementGroupTableData group = MakePlacementGroup(
        pg_id_hex.encode(), name.encode(), cw.namespace_name(), strategy, detached,
        bytes.fromhex(cw.job_id().Hex().decode()), c_bundles)
    cdef CStatus status
    cdef CPlacementGroupClient* client = pg_client()
    with nogil:
        status = client.Create(group)
    check(status)


def remove_placement_group(str pg_id_hex):
    """False if the GCS does not know the group."""
    cdef string c_id = bytes.fromhex(pg_id_hex)
    cdef cbool found = False
    cdef CStatus status
    cdef CPlacementGroupClient* client = pg_client()
    with nogil:
        status = client.Remove(c_id, &found)
    check(status)
    return found


def get_placement_group(str pg_id_hex, str name, str namespace):
    """The group's record as JSON text (by id, or by name when pg_id_hex is empty), or None."""
    cdef string c_id = bytes.fromhex(pg_id_hex)
    cdef string c_name = name.encode()
    cdef string c_ns = (namespace if namespace is not None else core().namespace_name().decode()).encode()
    cdef CPlacementGroupTableData group
    cdef cbool found = False
    cdef CStatus status
    cdef CPlacementGroupClient* client = pg_client()
    with nogil:
        status = client.Get(c_id, c_name, c_ns, &group, &found)
    check(status)
    return PlacementGroupJson(group).decode() if found else None


def all_placement_groups():
    """Every group's record, as JSON texts."""
    cdef vector[CPlacementGroupTableData] groups
    cdef CStatus status
    cdef CPlacementGroupClient* client = pg_client()
    with nogil:
        status = client.GetAll(&groups)
    check(status)
    return [PlacementGroupJson(groups[i]).decode() for i in range(groups.size())]


def wait_placement_group(str pg_id_hex, int64_t timeout_ms):
    """(ready, found): waits up to timeout_ms (< 0: no limit) for the group to be created."""
    cdef string c_id = bytes.fromhex(pg_id_hex)
    cdef cbool ready = False
    cdef cbool found = False
    cdef CStatus status
    cdef CPlacementGroupClient* client = pg_client()
    with nogil:
        status = client.WaitReady(c_id, timeout_ms, &ready, &found)
    raise_pending_interrupt()
    check(status)
    return ready, found
