// Small helpers for language bindings (Cython, JNI) that cannot reach protobuf maps and
// nested messages conveniently.
#pragma once

#include <map>
#include <string>

#include "common.pb.h"
#include "common/id.h"

namespace colony {

// The object every handle of a non-detached actor holds a ref to: the creation task's
// return, owned by the creator. When no process holds one any more, the creator ends the
// actor (OUT_OF_SCOPE).
inline ObjectID ActorHandleToken(const rpc::TaskSpec& creation_task) {
  return ObjectID::ForReturn(TaskID::FromBinary(creation_task.task_id()), 1);
}

}  // namespace colony

namespace colony::binding {

inline void SetTaskResource(rpc::TaskSpec* spec, const std::string& name, double amount) {
  (*spec->mutable_resources())[name] = amount;
}

// kind: rpc::SchedulingStrategy::Kind; node_id_hex: NODE_AFFINITY's node (32 hex digits),
// or for NODE_LABEL the hex of a serialized SchedulingStrategy holding only its label
// matches (the bindings build it; see colony.util.scheduling_strategies).
inline void SetSchedulingStrategy(rpc::TaskSpec* spec, int kind, const std::string& node_id_hex,
                                  bool soft) {
  auto* strategy = spec->mutable_scheduling_strategy();
  if (kind == rpc::SchedulingStrategy::NODE_LABEL) {
    strategy->ParseFromString(HexToBytes(node_id_hex));
    strategy->set_kind(rpc::SchedulingStrategy::NODE_LABEL);
    return;
  }
  strategy->set_kind(static_cast<rpc::SchedulingStrategy::Kind>(kind));
  if (!node_id_hex.empty()) strategy->set_node_id(HexToBytes(node_id_hex));
  strategy->set_soft(soft);
}

inline void AddNestedRef(rpc::ObjectValue* value, const std::string& object_id,
                         const std::string& owner_address) {
  auto* ref = value->add_nested_refs();
  ref->set_object_id(object_id);
  ref->mutable_owner_address()->ParseFromString(owner_address);
}

inline void AddRefArg(rpc::TaskSpec* spec, const std::string& object_id,
                      const std::string& owner_address) {
  auto* ref = spec->add_args()->mutable_ref();
  ref->set_object_id(object_id);
  ref->mutable_owner_address()->ParseFromString(owner_address);
}

inline rpc::ObjectValue* AddValueArg(rpc::TaskSpec* spec) { return spec->add_args()->mutable_value(); }

inline void SetPythonFunction(rpc::TaskSpec* spec, const std::string& module,
                              const std::string& qualname, const std::string& hash) {
  auto* fn = spec->mutable_function()->mutable_python();
  fn->set_module_name(module);
  fn->set_qualname(qualname);
  fn->set_function_hash(hash);
}

// A function of the Java SDK called from Python: the spec's language is JAVA.
inline void SetJavaFunction(rpc::TaskSpec* spec, const std::string& class_name,
                            const std::string& method, const std::string& signature) {
  auto* fn = spec->mutable_function()->mutable_java();
  fn->set_class_name(class_name);
  fn->set_method_name(method);
  fn->set_signature(signature);
  spec->set_language(rpc::JAVA);
}

inline int CallerLanguageOf(const rpc::TaskSpec& spec) {
  return static_cast<int>(spec.caller_language());
}

// The CPUs a task or actor asked for (0 if none).
inline double TaskCpus(const rpc::TaskSpec& spec) {
  auto it = spec.resources().find("CPU");
  return it == spec.resources().end() ? 0.0 : it->second;
}

inline std::string NestedRefOwner(const rpc::ObjectValue& value, int i) {
  return value.nested_refs(i).owner_address().SerializeAsString();
}

}  // namespace colony::binding

namespace colony::binding {

inline std::string ReturnObjectId(const std::string& task_id, uint32_t index) {
  return ObjectID::ForReturn(TaskID::FromBinary(task_id), index).Binary();
}

}  // namespace colony::binding

namespace colony::binding {

struct ActorCreationOptions {
  std::string name;
  std::string ns;
  bool detached = false;
  int max_restarts = 0;
  int max_task_retries = 0;
  int max_concurrency = 1;
  int max_pending_calls = -1;
  bool is_async = false;
  std::string class_name;
  std::vector<std::string> jvm_options;
  std::map<std::string, int> concurrency_groups;
};

inline void SetActorCreation(rpc::TaskSpec* spec, const ActorCreationOptions& o) {
  auto* c = spec->mutable_actor_creation();
  c->set_name(o.name);
  c->set_namespace_(o.ns);
  c->set_detached(o.detached);
  c->set_max_restarts(o.max_restarts);
  c->set_max_task_retries(o.max_task_retries);
  c->set_max_concurrency(o.max_concurrency);
  c->set_max_pending_calls(o.max_pending_calls);
  c->set_is_async(o.is_async);
  c->set_class_name(o.class_name);
  for (const auto& option : o.jvm_options) c->add_jvm_options(option);
  for (const auto& [name, concurrency] : o.concurrency_groups) {
    (*c->mutable_concurrency_groups())[name] = concurrency;
  }
}

inline void SetActorMethod(rpc::TaskSpec* spec, const std::string& class_name,
                           const std::string& method) {
  auto* fn = spec->mutable_function()->mutable_python();
  fn->set_class_name(class_name);
  fn->set_qualname(method);
}

inline int TaskTypeOf(const rpc::TaskSpec& spec) { return static_cast<int>(spec.type()); }

// What a language needs to rebuild a handle from the GCS's record of an actor.
struct ActorHandleInfo {
  std::string actor_id;
  // Handles of a non-detached actor hold a ref to this object (owned by the actor's
  // creator): once no process holds one, the creator ends the actor. Empty if detached.
  std::string handle_token;
  std::string owner_address;  // serialized rpc::Address of the token's owner
  int state = 0;
  int language = 0;
  std::string java_class;
  std::string module_name;
  std::string qualname;
  std::string function_hash;
  ActorCreationOptions options;
};

inline ActorHandleInfo HandleInfoOf(const rpc::ActorTableData& data) {
  ActorHandleInfo info;
  info.actor_id = data.actor_id();
  if (!data.detached() && !data.creation_task().task_id().empty()) {
    info.handle_token = ActorHandleToken(data.creation_task()).Binary();
    info.owner_address = data.owner_address().SerializeAsString();
  }
  info.state = static_cast<int>(data.state());
  info.language = static_cast<int>(data.language());
  info.java_class = data.creation_task().function().java().class_name();
  const auto& fn = data.creation_task().function().python();
  info.module_name = fn.module_name();
  info.qualname = fn.qualname();
  info.function_hash = fn.function_hash();
  const auto& c = data.creation_task().actor_creation();
  info.options.name = c.name();
  info.options.ns = c.namespace_();
  info.options.detached = c.detached();
  info.options.max_restarts = c.max_restarts();
  info.options.max_task_retries = c.max_task_retries();
  info.options.max_concurrency = c.max_concurrency();
  info.options.max_pending_calls = c.max_pending_calls();
  info.options.is_async = c.is_async();
  info.options.class_name = c.class_name();
  return info;
}

}  // namespace colony::binding
