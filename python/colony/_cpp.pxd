# C++ declarations of the core worker for the Cython binding (_core.pyx).
from libcpp cimport bool as cbool
from libcpp.map cimport map as cmap
from libcpp.memory cimport shared_ptr
from libcpp.pair cimport pair
from libcpp.string cimport string
from libcpp.vector cimport vector
from libc.stdint cimport int64_t, uint32_t, uint8_t, uint64_t

cdef extern from "common/status.h" namespace "colony" nogil:
    cdef enum CStatusCode "colony::StatusCode":
        pass
    cdef cppclass CStatus "colony::Status":
        cbool ok()
        CStatusCode code()
        const string& message()
        string ToString()

cdef extern from "common/id.h" namespace "colony" nogil:
    cdef cppclass CObjectID "colony::ObjectID":
        CObjectID()
        @staticmethod
        CObjectID FromBinary(const string&)
        string Binary()
        string Hex()
    cdef cppclass CJobID "colony::JobID":
        string Hex()
        uint32_t ToInt()
    cdef cppclass CTaskID "colony::TaskID":
        @staticmethod
        CTaskID FromBinary(const string&)
        string Hex()
        string Binary()
        cbool IsNil()
    cdef cppclass CWorkerID "colony::WorkerID":
        string Hex()
    cdef cppclass CNodeID "colony::NodeID":
        string Hex()
    cdef cppclass CActorID "colony::ActorID":
        string Hex()
        string Binary()
        cbool IsNil()

cdef extern from "common.pb.h" nogil:
    # Why an actor is dead (proto ActorTableData.DeathCause).
    ctypedef enum CDeathCause "colony::rpc::ActorTableData_DeathCause":
        DEATH_KILLED "colony::rpc::ActorTableData::KILLED"
        DEATH_EXITED "colony::rpc::ActorTableData::EXITED"
        DEATH_OUT_OF_SCOPE "colony::rpc::ActorTableData::OUT_OF_SCOPE"

cdef extern from "common.pb.h" namespace "colony::rpc" nogil:
    cdef cppclass CObjectValue "colony::rpc::ObjectValue":
        const string& data()
        const string& metadata()
        string* mutable_data()
        void set_data(const char*, size_t)
        void set_metadata(const string&)
        cbool in_plasma()
        void set_plasma_size(uint64_t)
        int nested_refs_size()
        const CObjectReference& nested_refs(int)
    cdef cppclass CObjectReference "colony::rpc::ObjectReference":
        const string& object_id()
    cdef cppclass CPythonFunctionDescriptor "colony::rpc::PythonFunctionDescriptor":
        const string& module_name()
        const string& qualname()
        const string& function_hash()
        const string& class_name()
    cdef cppclass CFunctionDescriptor "colony::rpc::FunctionDescriptor":
        const CPythonFunctionDescriptor& python()
    cdef cppclass CJobConfig "colony::rpc::JobConfig":
        string* add_code_search_path()
        void set_java_actors_per_worker(int)
        void set_scheduling_spread_threshold(double)
        void set_virtual_cluster_id(const string&)
        void set_runtime_env_json(const string&)
    cdef cppclass CActorCreationSpec "colony::rpc::ActorCreationSpec":
        int max_concurrency()
        cbool is_async()
        const string& class_name()
    cdef cppclass CActorTableData "colony::rpc::ActorTableData":
        pass
    cdef cppclass CTaskSpec "colony::rpc::TaskSpec":
        const string& actor_id()
        const CActorCreationSpec& actor_creation()
        const string& task_id()
        const string& job_id()
        const string& name()
        void set_name(const string&)
        int num_returns()
        void set_num_returns(int)
        void set_max_retries(int)
        void set_max_calls(int)
        cbool streaming_generator()
        void set_streaming_generator(cbool)
        void set_generator_backpressure_num_objects(int64_t)
        void set_concurrency_group(const string&)
        void set_runtime_env_json(const string&)
        void set_runtime_env_hash(const string&)
        cbool retry_exceptions()
        void set_retry_exceptions(cbool)
        const string& retry_exception_allowlist()
        void set_retry_exception_allowlist(const string&)
        int attempt_number()
        const CFunctionDescriptor& function()
        int args_size()
        int kwarg_names_size()
        const string& kwarg_names(int)
        string* add_kwarg_names()

cdef extern from "core_worker.pb.h" namespace "colony::rpc" nogil:
    cdef cppclass CReturnObject "colony::rpc::ReturnObject":
        void set_object_id(const string&)
        const string& object_id()
        CObjectValue* mutable_value()
    cdef cppclass CPushTaskReply "colony::rpc::PushTaskReply":
        CReturnObject* add_returns()
        void set_is_application_error(cbool)
        void set_is_retryable_error(cbool)
        void set_cancelled(cbool)

cdef extern from "core_worker/memory_store.h" namespace "colony" nogil:
    ctypedef shared_ptr[const CObjectValue] ObjectValuePtr "colony::ObjectValuePtr"

cdef extern from "core_worker/object_data.h" namespace "colony" nogil:
    cdef cppclass CSharedObject "colony::SharedObject":
        const uint8_t* data()
        uint64_t size()
    cdef cppclass CObjectData "colony::ObjectData":
        ObjectValuePtr value
        shared_ptr[CSharedObject] shared

cdef extern from "object_store/plasma_types.h" namespace "colony::plasma" nogil:
    cdef cppclass CStoreStats "colony::plasma::StoreStats":
        uint64_t capacity
        uint64_t used_bytes
        uint64_t num_objects
        uint64_t num_spilled
        uint64_t spilled_bytes
        uint64_t total_evicted
        uint64_t total_spilled
        uint64_t total_restored

cdef extern from "core_worker/language_binding.h" namespace "colony::binding" nogil:
    void SetTaskResource(CTaskSpec*, const string&, double)
    void SetSchedulingStrategy(CTaskSpec*, int, const string&, cbool)
    void AddNestedRef(CObjectValue*, const string&, const string&)
    void AddRefArg(CTaskSpec*, const string&, const string&)
    CObjectValue* AddValueArg(CTaskSpec*)
    void SetPythonFunction(CTaskSpec*, const string&, const string&, const string&)
    void SetJavaFunction(CTaskSpec*, const string&, const string&, const string&)
    int CallerLanguageOf(const CTaskSpec&)
    double TaskCpus(const CTaskSpec&)
    string NestedRefOwner(const CObjectValue&, int)
    string ReturnObjectId(const string&, uint32_t)
    cdef cppclass CActorCreationOptions "colony::binding::ActorCreationOptions":
        string name
        string ns
        cbool detached
        int max_restarts
        int max_task_retries
        int max_concurrency
        int max_pending_calls
        cbool is_async
        string class_name
        vector[string] jvm_options
        cmap[string, int] concurrency_groups
    cdef cppclass CActorHandleInfo "colony::binding::ActorHandleInfo":
        string actor_id
        string handle_token
        string owner_address
        int state
        int language
        string java_class
        string module_name
        string qualname
        string function_hash
        CActorCreationOptions options
    void SetActorCreation(CTaskSpec*, const CActorCreationOptions&)
    void SetActorMethod(CTaskSpec*, const string&, const string&)
    int TaskTypeOf(const CTaskSpec&)
    CActorHandleInfo HandleInfoOf(const CActorTableData&)

cdef extern from "core_worker/core_worker.h" namespace "colony" nogil:
    ctypedef void (*TaskExecutorFn)(const CTaskSpec&, const vector[CObjectData]&, CPushTaskReply*)
    ctypedef void (*TaskInterruptFn)(const string&)
    ctypedef cbool (*InterruptCheckFn)()

    cdef cppclass CCoreWorkerOptions "colony::CoreWorkerOptions":
        cbool is_driver
        string gcs_address
        string raylet_address
        string node_ip
        string token
        string namespace_name
        CJobConfig job_config
        string job_id_hex
        string worker_id_hex
        int driver_pid
        TaskExecutorFn executor
        TaskInterruptFn interrupt
        InterruptCheckFn check_interrupt
        uint64_t max_inline_object_bytes

    cdef cppclass CNodeSnapshot "colony::NodeSnapshot":
        string node_id_hex
        string ip
        int port
        cbool alive
        string death_reason
        cmap[string, double] resources_total
        cmap[string, double] resources_available
        cmap[string, string] labels

    cdef cppclass CPendingCall "colony::TaskReceiver::Pending":
        const CTaskSpec* spec
        CPushTaskReply* reply

    cdef cppclass CAsyncTask "colony::CoreWorker::AsyncTask":
        CPendingCall pending
        vector[CObjectData] args

    cdef cppclass CGeneratorNext "colony::GeneratorTracker::Next":
        int kind
        CObjectID id

    cdef cppclass CCoreWorker "colony::CoreWorker":
        @staticmethod
        CCoreWorker* Create(const CCoreWorkerOptions&, CStatus*)
        @staticmethod
        cbool HasRefArgs(const CTaskSpec&)
        int async_task_fd()
        void NotifyWhenReady(const CObjectID&, uint64_t)
        CStatus ReportGeneratorItem(const CTaskSpec&, int64_t, CReturnObject*, cbool*)
        CGeneratorNext GeneratorNext(const CTaskID&, int64_t, int64_t)
        void GeneratorConsumed(const CTaskID&, int64_t)
        void GeneratorStop(const CTaskID&, cbool)
        vector[uint64_t] TakeReady()
        int ready_fd()
        CAsyncTask* TakeAsyncTask()
        void PrepareAsyncTask(CAsyncTask*)
        void FinishAsyncTask(CAsyncTask*)
        void Shutdown()
        CStatus Put(const CObjectValue&, CObjectID*)
        CStatus Get(const vector[CObjectID]&, int64_t, vector[CObjectData]*, cbool)
        CObjectID NextPutId()
        CStatus CreateShared(const CObjectID&, const string&, uint64_t, uint8_t**)
        CStatus SealPut(const CObjectID&, CObjectValue*)
        CStatus SealReturn(const CObjectID&, const CTaskSpec&, CObjectValue*)
        void AbortShared(const CObjectID&)
        void PrepareReturnedRefs(const CTaskSpec&, const CObjectValue&)
        CStatus SharedStoreStats(CStoreStats*)
        CStatus DeleteSharedCopy(const CObjectID&)
        pair[const uint8_t*, uint64_t] SharedRegion()
        CStatus Wait(const vector[CObjectID]&, int, int64_t, cbool, vector[cbool]*)
        void AddLocalRef(const CObjectID&)
        void RemoveLocalRef(const CObjectID&)
        void RegisterRef(const CObjectID&, const string&)
        string OwnerAddressOf(const CObjectID&)
        vector[CObjectID] SubmitTask(CTaskSpec*)
        CStatus CancelTask(const CObjectID&, cbool, cbool)
        void RunTaskLoop()
        CStatus KvPut(const string&, const string&, const string&, cbool, cbool*)
        CStatus KvGet(const string&, const string&, string*, cbool*)
        CStatus KvDel(const string&, const string&, cbool, int64_t*)
        CStatus KvKeys(const string&, const string&, vector[string]*)
        CStatus GetAllNodes(vector[CNodeSnapshot]*)
        const CJobID& job_id()
        const CWorkerID& worker_id()
        const CNodeID& node_id()
        CTaskID current_task_id()
        string SerializedAddress()
        cbool is_driver()
        string namespace_name()
        CStatus CreateActor(CTaskSpec*, cbool, string*, cbool*, CActorTableData*)
        CStatus SubmitActorTask(const string&, CTaskSpec*, vector[CObjectID]*, const string&)
        void AddActorHandle(const string&, int, int)
        CStatus GetActorInfo(const string&, const string&, const string&, CActorTableData*, cbool*)
        CStatus ListNamedActors(cbool, vector[CActorTableData]*)
        CStatus KillActor(const string&, cbool, cbool, CDeathCause)
        const CActorID& current_actor_id()
        void FlushTaskEvents()

# Worker output for the driver (core_worker/log_subscriber.h) and node log files
# (core_worker/log_client.h): docs/observability.md.
# Virtual clusters' admin calls, JSON in and out (core_worker/virtual_cluster_client.h).
cdef extern from "core_worker/virtual_cluster_client.h" namespace "colony" nogil:
    cdef cppclass CVirtualClusterClient "colony::VirtualClusterClient":
        CVirtualClusterClient(const string&, string)
        CStatus Call(const string&, const string&, string*, cbool)
    void SetJobClusterReplicas(CJobConfig*, const string&, int)

cdef extern from "core_worker/log_subscriber.h" namespace "colony" nogil:
    cdef cppclass CLogLine "colony::LogLine":
        cbool is_err
        string text
    cdef cppclass CLogSubscriber "colony::LogSubscriber":
        void Stop()
        cbool Next(int64_t, vector[CLogLine]*)
    CLogSubscriber* StartGcsLogSubscriber(const string&, const string&, const string&, int64_t)

cdef extern from "core_worker/log_client.h" namespace "colony" nogil:
    cdef cppclass CNodeLogFile "colony::NodeLogFile":
        string name
        uint64_t size
        int64_t modified_ms
    cdef cppclass CNodeWorkerLog "colony::NodeWorkerLog":
        int pid
        vector[string] worker_ids_hex
        string job_id_hex
        string language
        string out_file
        string err_file
        int64_t started_ms
    cdef cppclass CNodeLogListing "colony::NodeLogListing":
        string node_id_hex
        vector[CNodeLogFile] files
        vector[CNodeWorkerLog] workers
    cdef cppclass CNodeLogChunk "colony::NodeLogChunk":
        string data
        uint64_t offset
        uint64_t size
    CStatus ListNodeLogs(const string&, const string&, CNodeLogListing*)
    CStatus ReadNodeLog(const string&, const string&, const string&, int64_t, uint64_t,
                        CNodeLogChunk*)

# A raylet's GetNodeStats as JSON, for the node's metrics agent (docs/observability.md).
cdef extern from "core_worker/agent_client.h" namespace "colony" nogil:
    CStatus GetNodeStatsJson(const string&, const string&, int64_t, string*)
    CStatus GcsKvPut(const string&, const string&, const string&, const string&, const string&,
                     int64_t)

cdef extern from "common.pb.h" namespace "colony::rpc" nogil:
    # Where an actor runs (its worker's address), for `colony logs --actor`.
    cdef cppclass CLogActorAddress "colony::rpc::Address":
        const string& node_id()
        const string& worker_id()
    cdef cppclass CLogActorTableData "colony::rpc::ActorTableData":
        const CLogActorAddress& address()

# The state API's reads of the GCS, JSON in and out (core_worker/state_client.h).
cdef extern from "core_worker/state_client.h" namespace "colony" nogil:
    CStatus GcsStateCallJson(const string&, const string&, const string&, const string&, string*)

# Placement groups (core_worker/placement_group_client.h, docs/scheduling.md).
cdef extern from "common.pb.h" namespace "colony::rpc" nogil:
    cdef cppclass CPlacementGroupTableData "colony::rpc::PlacementGroupTableData":
        pass

cdef extern from "core_worker/language_binding.h" namespace "colony::binding" nogil:
    void AddLabelMatch(CTaskSpec*, cbool, const string&, int, const vector[string]&)
    void SetPlacementGroupStrategy(CTaskSpec*, const string&, int, cbool)
    CPlacementGroupTableData MakePlacementGroup(const string&, const string&, const string&, int,
                                                cbool, const string&,
                                                const vector[cmap[string, double]]&)
    string PlacementGroupJson(const CPlacementGroupTableData&)

cdef extern from "core_worker/placement_group_client.h" namespace "colony" nogil:
    cdef cppclass CPlacementGroupClient "colony::PlacementGroupClient":
        CStatus Create(const CPlacementGroupTableData&)
        CStatus Remove(const string&, cbool*)
        CStatus Get(const string&, const string&, const string&, CPlacementGroupTableData*, cbool*)
        CStatus GetAll(vector[CPlacementGroupTableData]*)
        CStatus WaitReady(const string&, int64_t, cbool*, cbool*)

cdef extern from "core_worker/core_worker.h" namespace "colony" nogil:
    CPlacementGroupClient* PlacementGroupsOf "colony::binding::PlacementGroupsOf"(CCoreWorker*)
