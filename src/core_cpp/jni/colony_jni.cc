// JNI binding of the core worker for the Java SDK: implements the native methods of
// io.colony.runtime.jni.NativeCoreWorker (the contract is the table in java/README.md).
// Messages cross as serialized protobuf bytes and ids as byte arrays, so this file only
// converts; every decision stays in the core worker. A non-OK Status is thrown as
// io.colony.runtime.jni.CoreWorkerException(int code, String message).
#include <jni.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "core_worker/core_worker.h"
#include "core_worker/log_subscriber.h"
#include "core_worker/state_client.h"

namespace colony::jni {
namespace {

JavaVM* g_vm = nullptr;
jclass g_native_class = nullptr;     // io.colony.runtime.jni.NativeCoreWorker
jclass g_exception_class = nullptr;  // io.colony.runtime.jni.CoreWorkerException
jclass g_byte_array_class = nullptr;
jclass g_object_class = nullptr;
jclass g_shared_bytes_class = nullptr;  // io.colony.runtime.jni.SharedBytes
jmethodID g_shared_bytes_ctor = nullptr;
jmethodID g_execute = nullptr;
jmethodID g_interrupt = nullptr;
jmethodID g_exception_ctor = nullptr;

// The task the calling thread is executing: prepareReturn needs its caller and ids.
thread_local const rpc::TaskSpec* t_current_task = nullptr;

CoreWorker* Worker(jlong handle) { return reinterpret_cast<CoreWorker*>(handle); }

jclass GlobalClass(JNIEnv* env, const char* name) {
  jclass local = env->FindClass(name);
  if (local == nullptr) return nullptr;
  auto global = static_cast<jclass>(env->NewGlobalRef(local));
  env->DeleteLocalRef(local);
  return global;
}

// Threads the core worker owns (task receiver, gRPC) call into Java: attach them once.
JNIEnv* AttachedEnv() {
  JNIEnv* env = nullptr;
  if (g_vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_8) == JNI_OK) return env;
  g_vm->AttachCurrentThreadAsDaemon(reinterpret_cast<void**>(&env), nullptr);
  return env;
}

void ThrowStatus(JNIEnv* env, const Status& status) {
  jstring message = env->NewStringUTF(status.ToString().c_str());
  auto error = static_cast<jthrowable>(env->NewObject(
      g_exception_class, g_exception_ctor, static_cast<jint>(status.code()), message));
  if (error != nullptr) env->Throw(error);
}

// true if the status was OK; otherwise a Java exception is pending.
bool Check(JNIEnv* env, const Status& status) {
  if (status.ok()) return true;
  ThrowStatus(env, status);
  return false;
}

std::string Bytes(JNIEnv* env, jbyteArray array) {
  if (array == nullptr) return std::string();
  jsize size = env->GetArrayLength(array);
  std::string out(static_cast<size_t>(size), '\0');
  env->GetByteArrayRegion(array, 0, size, reinterpret_cast<jbyte*>(out.data()));
  return out;
}

std::string Utf8(JNIEnv* env, jstring text) {
  if (text == nullptr) return std::string();
  const char* chars = env->GetStringUTFChars(text, nullptr);
  std::string out(chars);
  env->ReleaseStringUTFChars(text, chars);
  return out;
}

jbyteArray ToJava(JNIEnv* env, const void* data, size_t size) {
  jbyteArray array = env->NewByteArray(static_cast<jsize>(size));
  if (array != nullptr && size > 0) {
    env->SetByteArrayRegion(array, 0, static_cast<jsize>(size), static_cast<const jbyte*>(data));
  }
  return array;
}

jbyteArray ToJava(JNIEnv* env, const std::string& bytes) {
  return ToJava(env, bytes.data(), bytes.size());
}

// A shared-memory object as a SharedBytes: a direct ByteBuffer over the mapped bytes, their
// address, and a handle (a heap-held reference to the object) that releaseShared gives back.
jobject SharedToJava(JNIEnv* env, const std::shared_ptr<SharedObject>& shared) {
  auto* handle = new std::shared_ptr<SharedObject>(shared);
  jobject buffer = env->NewDirectByteBuffer(const_cast<uint8_t*>(shared->data()),
                                            static_cast<jlong>(shared->size()));
  jobject bytes =
      buffer == nullptr
          ? nullptr
          : env->NewObject(g_shared_bytes_class, g_shared_bytes_ctor, buffer,
                           static_cast<jlong>(reinterpret_cast<uintptr_t>(shared->data())),
                           reinterpret_cast<jlong>(handle));
  if (buffer != nullptr) env->DeleteLocalRef(buffer);
  if (bytes == nullptr) delete handle;  // a Java exception is pending
  return bytes;
}

// A value's bytes for Java: a SharedBytes in place in shared memory (Java reads Arrow data
// there, and copies other values out), or a byte[] copy of an inline value.
jobject DataToJava(JNIEnv* env, const ObjectData& object) {
  return object.shared ? SharedToJava(env, object.shared) : ToJava(env, object.value->data());
}

// Direct ByteBuffers holding a value's bytes in order; they stay valid during the call.
std::vector<DataPiece> Pieces(JNIEnv* env, jobjectArray buffers) {
  std::vector<DataPiece> pieces;
  jsize n = buffers == nullptr ? 0 : env->GetArrayLength(buffers);
  for (jsize i = 0; i < n; i++) {
    jobject buffer = env->GetObjectArrayElement(buffers, i);
    pieces.push_back({static_cast<const uint8_t*>(env->GetDirectBufferAddress(buffer)),
                      static_cast<uint64_t>(env->GetDirectBufferCapacity(buffer))});
    env->DeleteLocalRef(buffer);
  }
  return pieces;
}

bool AllDirect(const std::vector<DataPiece>& pieces) {
  for (const DataPiece& piece : pieces) {
    if (piece.data == nullptr && piece.size != 0) return false;
  }
  return true;
}

std::vector<DataPiece> OnePiece(const std::string& bytes) {
  return {{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}};
}

jobjectArray ToJavaArray(JNIEnv* env, const std::vector<std::string>& items) {
  jobjectArray array =
      env->NewObjectArray(static_cast<jsize>(items.size()), g_byte_array_class, nullptr);
  for (size_t i = 0; array != nullptr && i < items.size(); i++) {
    jbyteArray item = ToJava(env, items[i]);
    env->SetObjectArrayElement(array, static_cast<jsize>(i), item);
    env->DeleteLocalRef(item);
  }
  return array;
}

std::vector<std::string> FromJavaArray(JNIEnv* env, jobjectArray array) {
  std::vector<std::string> out;
  if (array == nullptr) return out;
  jsize n = env->GetArrayLength(array);
  out.reserve(n);
  for (jsize i = 0; i < n; i++) {
    auto item = static_cast<jbyteArray>(env->GetObjectArrayElement(array, i));
    out.push_back(Bytes(env, item));
    env->DeleteLocalRef(item);
  }
  return out;
}

std::vector<ObjectID> Ids(JNIEnv* env, jobjectArray array) {
  std::vector<ObjectID> ids;
  for (const auto& bytes : FromJavaArray(env, array)) ids.push_back(ObjectID::FromBinary(bytes));
  return ids;
}

google::protobuf::RepeatedPtrField<rpc::ObjectReference> NestedRefs(JNIEnv* env, jobjectArray ids,
                                                                    jobjectArray owners) {
  google::protobuf::RepeatedPtrField<rpc::ObjectReference> refs;
  std::vector<std::string> id_bytes = FromJavaArray(env, ids);
  std::vector<std::string> owner_bytes = FromJavaArray(env, owners);
  for (size_t i = 0; i < id_bytes.size(); i++) {
    auto* ref = refs.Add();
    ref->set_object_id(id_bytes[i]);
    if (i < owner_bytes.size()) ref->mutable_owner_address()->ParseFromString(owner_bytes[i]);
  }
  return refs;
}

std::vector<std::string> IdBytes(const std::vector<ObjectID>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(id.Binary());
  return out;
}

// The executor the core worker calls for each task: hands it to NativeCoreWorker.execute.
void ExecuteInJava(jlong handle, const rpc::TaskSpec& spec, const std::vector<ObjectData>& args,
                   rpc::PushTaskReply* reply) {
  JNIEnv* env = AttachedEnv();
  env->PushLocalFrame(static_cast<jint>(2 * args.size() + 8));
  jobjectArray metadata =
      env->NewObjectArray(static_cast<jsize>(args.size()), g_byte_array_class, nullptr);
  jobjectArray data =
      env->NewObjectArray(static_cast<jsize>(args.size()), g_object_class, nullptr);
  for (size_t i = 0; i < args.size(); i++) {
    const ObjectData& arg = args[i];
    jbyteArray m = ToJava(env, arg.metadata());
    jobject d = DataToJava(env, arg);
    env->SetObjectArrayElement(metadata, static_cast<jsize>(i), m);
    env->SetObjectArrayElement(data, static_cast<jsize>(i), d);
  }
  jbyteArray spec_bytes = ToJava(env, spec.SerializeAsString());
  t_current_task = &spec;
  auto result = static_cast<jbyteArray>(
      env->CallStaticObjectMethod(g_native_class, g_execute, handle, spec_bytes, metadata, data));
  t_current_task = nullptr;
  if (env->ExceptionCheck()) {
    env->ExceptionDescribe();
    env->ExceptionClear();
    reply->set_is_application_error(true);
  } else if (!reply->ParseFromString(Bytes(env, result))) {
    reply->set_is_application_error(true);
  }
  env->PopLocalFrame(nullptr);
}

void InterruptInJava(jlong handle, const std::string& task_id) {
  JNIEnv* env = AttachedEnv();
  jbyteArray id = ToJava(env, task_id);
  env->CallStaticVoidMethod(g_native_class, g_interrupt, handle, id);
  if (env->ExceptionCheck()) env->ExceptionClear();
  env->DeleteLocalRef(id);
}

uint64_t InlineThreshold() {
  const char* env = getenv("COLONY_MAX_INLINE_OBJECT_BYTES");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 100 * 1024;
}

// A task's return value (only inside execute, on its thread: the task is known there).
jbyteArray PrepareReturn(JNIEnv* env, jlong w, jbyteArray return_id, jbyteArray metadata,
                         const std::vector<DataPiece>& pieces, jobjectArray nested_ids,
                         jobjectArray nested_owners) {
  if (t_current_task == nullptr) {
    ThrowStatus(env, Status::InvalidArgument("prepareReturn outside of a task's execution"));
    return nullptr;
  }
  rpc::ObjectValue value;
  Status s = Worker(w)->MakeReturn(*t_current_task, ObjectID::FromBinary(Bytes(env, return_id)),
                                   Bytes(env, metadata), pieces,
                                   NestedRefs(env, nested_ids, nested_owners), &value);
  return Check(env, s) ? ToJava(env, value.SerializeAsString()) : nullptr;
}

}  // namespace
}  // namespace colony::jni

using namespace colony;       // NOLINT: JNI entry points below are flat C functions
using namespace colony::jni;  // NOLINT

extern "C" {

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
  g_vm = vm;
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  g_native_class = GlobalClass(env, "io/colony/runtime/jni/NativeCoreWorker");
  g_exception_class = GlobalClass(env, "io/colony/runtime/jni/CoreWorkerException");
  g_byte_array_class = GlobalClass(env, "[B");
  g_object_class = GlobalClass(env, "java/lang/Object");
  g_shared_bytes_class = GlobalClass(env, "io/colony/runtime/jni/SharedBytes");
  if (g_native_class == nullptr || g_exception_class == nullptr || g_byte_array_class == nullptr ||
      g_object_class == nullptr || g_shared_bytes_class == nullptr) {
    return JNI_ERR;
  }
  g_shared_bytes_ctor =
      env->GetMethodID(g_shared_bytes_class, "<init>", "(Ljava/nio/ByteBuffer;JJ)V");
  if (g_shared_bytes_ctor == nullptr) return JNI_ERR;
  g_execute =
      env->GetStaticMethodID(g_native_class, "execute", "(J[B[[B[Ljava/lang/Object;)[B");
  g_interrupt = env->GetStaticMethodID(g_native_class, "interrupt", "(J[B)V");
  g_exception_ctor = env->GetMethodID(g_exception_class, "<init>", "(ILjava/lang/String;)V");
  if (g_execute == nullptr || g_interrupt == nullptr || g_exception_ctor == nullptr) return JNI_ERR;
  return JNI_VERSION_1_8;
}

#define NATIVE(ret, name) \
  JNIEXPORT ret JNICALL Java_io_colony_runtime_jni_NativeCoreWorker_##name

NATIVE(jlong, initialize)(JNIEnv* env, jclass, jstring gcs_address, jstring raylet_address,
                          jstring node_ip, jstring token, jstring ns, jboolean is_driver,
                          jstring job_id_hex, jstring worker_id_hex, jbyteArray job_config) {
  CoreWorkerOptions options;
  options.is_driver = is_driver;
  options.language = rpc::JAVA;
  options.gcs_address = Utf8(env, gcs_address);
  options.raylet_address = Utf8(env, raylet_address);
  options.node_ip = Utf8(env, node_ip);
  options.token = Utf8(env, token);
  options.namespace_name = Utf8(env, ns);
  options.job_id_hex = Utf8(env, job_id_hex);
  options.worker_id_hex = Utf8(env, worker_id_hex);
  options.job_config.ParseFromString(Bytes(env, job_config));
  options.driver_pid = getpid();
  options.max_inline_object_bytes = InlineThreshold();
  options.shared_process = !is_driver;  // a JVM hosts several logical workers
  // The handle is known only after Create: the callbacks read it from a shared cell.
  auto handle = std::make_shared<jlong>(0);
  if (!is_driver) {
    options.executor = [handle](const rpc::TaskSpec& spec, const std::vector<ObjectData>& args,
                                rpc::PushTaskReply* reply) {
      ExecuteInJava(*handle, spec, args, reply);
    };
    options.interrupt = [handle](const std::string& task_id) { InterruptInJava(*handle, task_id); };
  }
  Status status;
  CoreWorker* worker = CoreWorker::Create(options, &status);
  if (!Check(env, status)) return 0;
  *handle = reinterpret_cast<jlong>(worker);
  return *handle;
}

NATIVE(void, runTaskLoop)(JNIEnv*, jclass, jlong w) { Worker(w)->RunTaskLoop(); }

// Not deleted: gRPC threads may still run callbacks that reference it (as in Python).
NATIVE(void, shutdown)(JNIEnv*, jclass, jlong w) { Worker(w)->Shutdown(); }

NATIVE(jbyteArray, put)(JNIEnv* env, jclass, jlong w, jbyteArray metadata, jbyteArray data,
                        jobjectArray nested_ids, jobjectArray nested_owners) {
  std::string bytes = Bytes(env, data);
  ObjectID id;
  Status s = Worker(w)->PutBuffer(Bytes(env, metadata), OnePiece(bytes),
                                  NestedRefs(env, nested_ids, nested_owners), &id);
  return Check(env, s) ? ToJava(env, id.Binary()) : nullptr;
}

NATIVE(jbyteArray, putPieces)(JNIEnv* env, jclass, jlong w, jbyteArray metadata,
                              jobjectArray buffers, jobjectArray nested_ids,
                              jobjectArray nested_owners) {
  std::vector<DataPiece> pieces = Pieces(env, buffers);
  if (!AllDirect(pieces)) {
    ThrowStatus(env, Status::InvalidArgument("putPieces takes direct ByteBuffers only"));
    return nullptr;
  }
  ObjectID id;
  Status s = Worker(w)->PutBuffer(Bytes(env, metadata), pieces,
                                  NestedRefs(env, nested_ids, nested_owners), &id);
  return Check(env, s) ? ToJava(env, id.Binary()) : nullptr;
}

NATIVE(void, releaseShared)(JNIEnv*, jclass, jlong handle) {
  delete reinterpret_cast<std::shared_ptr<SharedObject>*>(handle);
}

NATIVE(jlongArray, sharedRegion)(JNIEnv* env, jclass, jlong w) {
  auto [base, size] = Worker(w)->SharedRegion();
  jlong region[2] = {static_cast<jlong>(reinterpret_cast<uintptr_t>(base)),
                     static_cast<jlong>(size)};
  jlongArray out = env->NewLongArray(2);
  if (out != nullptr) env->SetLongArrayRegion(out, 0, 2, region);
  return out;
}

NATIVE(jobjectArray, get)(JNIEnv* env, jclass, jlong w, jobjectArray ids, jlong timeout_ms) {
  std::vector<ObjectData> values;
  Status s = Worker(w)->Get(Ids(env, ids), timeout_ms, &values);
  if (s.code() == StatusCode::kTimedOut) return nullptr;
  if (!Check(env, s)) return nullptr;
  jobjectArray out =
      env->NewObjectArray(static_cast<jsize>(2 * values.size()), g_object_class, nullptr);
  for (size_t i = 0; out != nullptr && i < values.size(); i++) {
    jbyteArray m = ToJava(env, values[i].metadata());
    jobject d = DataToJava(env, values[i]);
    env->SetObjectArrayElement(out, static_cast<jsize>(2 * i), m);
    env->SetObjectArrayElement(out, static_cast<jsize>(2 * i + 1), d);
    env->DeleteLocalRef(m);
    env->DeleteLocalRef(d);
  }
  return out;
}

NATIVE(jbooleanArray, waitObjects)(JNIEnv* env, jclass, jlong w, jobjectArray ids,
                                   jint num_returns, jlong timeout_ms) {
  std::vector<bool> ready;
  if (!Check(env, Worker(w)->Wait(Ids(env, ids), num_returns, timeout_ms, /*fetch_local=*/true, &ready))) return nullptr;
  jbooleanArray out = env->NewBooleanArray(static_cast<jsize>(ready.size()));
  std::vector<jboolean> flags(ready.begin(), ready.end());
  env->SetBooleanArrayRegion(out, 0, static_cast<jsize>(flags.size()), flags.data());
  return out;
}

NATIVE(void, addLocalRef)(JNIEnv* env, jclass, jlong w, jbyteArray id) {
  Worker(w)->AddLocalRef(ObjectID::FromBinary(Bytes(env, id)));
}

NATIVE(void, removeLocalRef)(JNIEnv* env, jclass, jlong w, jbyteArray id) {
  Worker(w)->RemoveLocalRef(ObjectID::FromBinary(Bytes(env, id)));
}

NATIVE(void, registerRef)(JNIEnv* env, jclass, jlong w, jbyteArray id, jbyteArray owner) {
  Worker(w)->RegisterRef(ObjectID::FromBinary(Bytes(env, id)), Bytes(env, owner));
}

NATIVE(jbyteArray, prepareReturn)(JNIEnv* env, jclass, jlong w, jbyteArray return_id,
                                  jbyteArray metadata, jbyteArray data, jobjectArray nested_ids,
                                  jobjectArray nested_owners) {
  std::string bytes = Bytes(env, data);
  return PrepareReturn(env, w, return_id, metadata, OnePiece(bytes), nested_ids, nested_owners);
}

NATIVE(jbyteArray, prepareReturnPieces)(JNIEnv* env, jclass, jlong w, jbyteArray return_id,
                                        jbyteArray metadata, jobjectArray buffers,
                                        jobjectArray nested_ids, jobjectArray nested_owners) {
  std::vector<DataPiece> pieces = Pieces(env, buffers);
  if (!AllDirect(pieces)) {
    ThrowStatus(env, Status::InvalidArgument("prepareReturnPieces takes direct ByteBuffers only"));
    return nullptr;
  }
  return PrepareReturn(env, w, return_id, metadata, pieces, nested_ids, nested_owners);
}

// ---- streaming generators (core_worker/generator_tracker.h; Python's generators.py)

// Executor: sends item `index` of the streaming task this thread runs (its value already
// prepared by prepareReturn under id GeneratorItemId(task, index)) and waits while the
// caller's back-pressure window is full. true: the caller wants no more items.
NATIVE(jboolean, reportGeneratorItem)(JNIEnv* env, jclass, jlong w, jlong index,
                                      jbyteArray object_value) {
  if (t_current_task == nullptr || !t_current_task->streaming_generator()) {
    ThrowStatus(env, Status::InvalidArgument(
                         "reportGeneratorItem outside of a streaming task's execution"));
    return JNI_TRUE;
  }
  rpc::ReturnObject item;
  item.set_object_id(GeneratorItemId(TaskID::FromBinary(t_current_task->task_id()), index).Binary());
  if (!item.mutable_value()->ParseFromString(Bytes(env, object_value))) {
    ThrowStatus(env, Status::InvalidArgument("malformed ObjectValue"));
    return JNI_TRUE;
  }
  bool stop = false;
  if (!Check(env, Worker(w)->ReportGeneratorItem(*t_current_task, index, &item, &stop))) {
    return JNI_TRUE;
  }
  return stop ? JNI_TRUE : JNI_FALSE;
}

// Caller: {kind} or {kind, id bytes...} for item `index`; kind as GeneratorTracker::Next
// (0 item, 1 end, 2 timed out, 3 unknown).
NATIVE(jbyteArray, generatorNext)(JNIEnv* env, jclass, jlong w, jbyteArray task_id, jlong index,
                                  jlong timeout_ms) {
  GeneratorTracker::Next next =
      Worker(w)->GeneratorNext(TaskID::FromBinary(Bytes(env, task_id)), index, timeout_ms);
  std::string out(1, static_cast<char>(next.kind));
  if (next.kind == GeneratorTracker::Next::kItem) out += next.id.Binary();
  return ToJava(env, out);
}

NATIVE(void, generatorConsumed)(JNIEnv* env, jclass, jlong w, jbyteArray task_id, jlong index) {
  Worker(w)->GeneratorConsumed(TaskID::FromBinary(Bytes(env, task_id)), index);
}

NATIVE(void, generatorStop)(JNIEnv* env, jclass, jlong w, jbyteArray task_id, jboolean forget) {
  Worker(w)->GeneratorStop(TaskID::FromBinary(Bytes(env, task_id)), forget);
}

NATIVE(jobjectArray, submitTask)(JNIEnv* env, jclass, jlong w, jbyteArray task_spec) {
  rpc::TaskSpec spec;
  if (!spec.ParseFromString(Bytes(env, task_spec))) {
    ThrowStatus(env, Status::InvalidArgument("malformed TaskSpec"));
    return nullptr;
  }
  return ToJavaArray(env, IdBytes(Worker(w)->SubmitTask(&spec)));
}

NATIVE(void, cancelTask)(JNIEnv* env, jclass, jlong w, jbyteArray return_id, jboolean force) {
  Check(env, Worker(w)->CancelTask(ObjectID::FromBinary(Bytes(env, return_id)), force));
}

NATIVE(jbyteArray, createActor)(JNIEnv* env, jclass, jlong w, jbyteArray task_spec,
                                jboolean get_if_exists) {
  rpc::TaskSpec spec;
  if (!spec.ParseFromString(Bytes(env, task_spec))) {
    ThrowStatus(env, Status::InvalidArgument("malformed TaskSpec"));
    return nullptr;
  }
  std::string actor_id;
  bool existed = false;
  if (!Check(env, Worker(w)->CreateActor(&spec, get_if_exists, &actor_id, &existed))) return nullptr;
  return ToJava(env, actor_id);
}

NATIVE(jobjectArray, submitActorTask)(JNIEnv* env, jclass, jlong w, jbyteArray actor_id,
                                      jbyteArray task_spec) {
  rpc::TaskSpec spec;
  if (!spec.ParseFromString(Bytes(env, task_spec))) {
    ThrowStatus(env, Status::InvalidArgument("malformed TaskSpec"));
    return nullptr;
  }
  std::vector<ObjectID> returns;
  if (!Check(env, Worker(w)->SubmitActorTask(Bytes(env, actor_id), &spec, &returns))) return nullptr;
  return ToJavaArray(env, IdBytes(returns));
}

NATIVE(void, addActorHandle)(JNIEnv* env, jclass, jlong w, jbyteArray actor_id,
                             jint max_pending_calls, jint max_task_retries) {
  Worker(w)->AddActorHandle(Bytes(env, actor_id), max_pending_calls, max_task_retries);
}

NATIVE(jbyteArray, getActorInfo)(JNIEnv* env, jclass, jlong w, jbyteArray actor_id, jstring name,
                                 jstring ns) {
  rpc::ActorTableData info;
  bool found = false;
  Status s = Worker(w)->GetActorInfo(Bytes(env, actor_id), Utf8(env, name), Utf8(env, ns), &info,
                                     &found);
  if (!Check(env, s) || !found) return nullptr;
  return ToJava(env, info.SerializeAsString());
}

NATIVE(void, killActor)(JNIEnv* env, jclass, jlong w, jbyteArray actor_id, jboolean no_restart) {
  Check(env, Worker(w)->KillActor(Bytes(env, actor_id), no_restart));
}

NATIVE(jboolean, kvPut)(JNIEnv* env, jclass, jlong w, jstring ns, jbyteArray key, jbyteArray value,
                        jboolean overwrite) {
  bool added = false;
  Check(env, Worker(w)->KvPut(Utf8(env, ns), Bytes(env, key), Bytes(env, value), overwrite, &added));
  return added;
}

NATIVE(jbyteArray, kvGet)(JNIEnv* env, jclass, jlong w, jstring ns, jbyteArray key) {
  std::string value;
  bool found = false;
  if (!Check(env, Worker(w)->KvGet(Utf8(env, ns), Bytes(env, key), &value, &found)) || !found) {
    return nullptr;
  }
  return ToJava(env, value);
}

NATIVE(jlong, kvDel)(JNIEnv* env, jclass, jlong w, jstring ns, jbyteArray key, jboolean by_prefix) {
  int64_t deleted = 0;
  Check(env, Worker(w)->KvDel(Utf8(env, ns), Bytes(env, key), by_prefix, &deleted));
  return deleted;
}

NATIVE(jobjectArray, kvKeys)(JNIEnv* env, jclass, jlong w, jstring ns, jbyteArray prefix) {
  std::vector<std::string> keys;
  if (!Check(env, Worker(w)->KvKeys(Utf8(env, ns), Bytes(env, prefix), &keys))) return nullptr;
  return ToJavaArray(env, keys);
}

NATIVE(jbyteArray, getAddress)(JNIEnv* env, jclass, jlong w) {
  return ToJava(env, Worker(w)->SerializedAddress());
}

NATIVE(jbyteArray, getJobId)(JNIEnv* env, jclass, jlong w) {
  return ToJava(env, Worker(w)->job_id().Binary());
}

NATIVE(jbyteArray, getCurrentTaskId)(JNIEnv* env, jclass, jlong w) {
  return ToJava(env, Worker(w)->current_task_id().Binary());
}

NATIVE(jbyteArray, getCurrentActorId)(JNIEnv* env, jclass, jlong w) {
  return ToJava(env, Worker(w)->current_actor_id().Binary());
}

NATIVE(jstring, getNamespace)(JNIEnv* env, jclass, jlong w) {
  return env->NewStringUTF(Worker(w)->namespace_name().c_str());
}

// ---- worker output for a Java driver (docs/observability.md)

NATIVE(jlong, startLogSubscriber)(JNIEnv* env, jclass, jstring gcs_address, jstring token,
                                  jstring job_id_hex, jlong dedup_window_ms) {
  return reinterpret_cast<jlong>(StartGcsLogSubscriber(
      Utf8(env, gcs_address), Utf8(env, token), Utf8(env, job_id_hex), dedup_window_ms));
}

// Lines as byte arrays whose first byte is 1 for stderr, 0 for stdout; null once stopped
// and drained.
NATIVE(jobjectArray, nextLogLines)(JNIEnv* env, jclass, jlong handle, jlong timeout_ms) {
  std::vector<LogLine> lines;
  if (!reinterpret_cast<LogSubscriber*>(handle)->Next(timeout_ms, &lines)) return nullptr;
  std::vector<std::string> items;
  items.reserve(lines.size());
  for (auto& line : lines) items.push_back(std::string(1, line.is_err ? '\1' : '\0') + line.text);
  return ToJavaArray(env, items);
}

NATIVE(void, stopLogSubscriber)(JNIEnv*, jclass, jlong handle) {
  reinterpret_cast<LogSubscriber*>(handle)->Stop();
}

NATIVE(void, releaseLogSubscriber)(JNIEnv*, jclass, jlong handle) {
  delete reinterpret_cast<LogSubscriber*>(handle);
}

// One read of the GCS for the state API (core_worker/state_client.h): a serialized request
// of `method` in, its serialized reply out.
NATIVE(jbyteArray, gcsStateCall)(JNIEnv* env, jclass, jstring gcs_address, jstring token,
                                 jstring method, jbyteArray request) {
  std::string reply;
  Status status = GcsStateCall(Utf8(env, gcs_address), Utf8(env, token), Utf8(env, method),
                               Bytes(env, request), &reply);
  if (!status.ok()) {
    ThrowStatus(env, status);
    return nullptr;
  }
  return ToJava(env, reply);
}

}  // extern "C"
