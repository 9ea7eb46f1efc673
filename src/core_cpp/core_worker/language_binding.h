// Small helpers for language bindings (Cython, JNI) that cannot reach protobuf maps and
// nested messages conveniently.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

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

// kind: rpc::SchedulingStrategy::Kind; node_id_hex: NODE_AFFINITY's node (32 hex digits).
// The bindings add a NODE_LABEL strategy's conditions with AddLabelMatch and a
// PLACEMENT_GROUP strategy's group with SetPlacementGroupStrategy (see
// colony.util.scheduling_strategies), so no language hand-encodes protobuf.
inline void SetSchedulingStrategy(rpc::TaskSpec* spec, int kind, const std::string& node_id_hex,
                                  bool soft) {
  auto* strategy = spec->mutable_scheduling_strategy();
  strategy->set_kind(static_cast<rpc::SchedulingStrategy::Kind>(kind));
  if (!node_id_hex.empty()) strategy->set_node_id(HexToBytes(node_id_hex));
  strategy->set_soft(soft);
}

// One condition of a NODE_LABEL strategy; op: rpc::LabelMatch::Op.
inline void AddLabelMatch(rpc::TaskSpec* spec, bool hard, const std::string& key, int op,
                          const std::vector<std::string>& values) {
  auto* strategy = spec->mutable_scheduling_strategy();
  rpc::LabelMatch* match = hard ? strategy->add_hard_labels() : strategy->add_soft_labels();
  match->set_key(key);
  match->set_op(static_cast<rpc::LabelMatch::Op>(op));
  for (const std::string& value : values) match->add_values(value);
}

// Runs the task in bundle `bundle_index` (-1: any) of the group; the core worker rewrites
// its resources to the bundle's when it is submitted.
inline void SetPlacementGroupStrategy(rpc::TaskSpec* spec, const std::string& pg_id_hex,
                                      int bundle_index, bool capture_child_tasks) {
  auto* strategy = spec->mutable_scheduling_strategy();
  strategy->set_kind(rpc::SchedulingStrategy::PLACEMENT_GROUP);
  strategy->set_placement_group_id(HexToBytes(pg_id_hex));
  strategy->set_bundle_index(bundle_index);
  strategy->set_capture_child_tasks(capture_child_tasks);
}

// A placement group to create: strategy is rpc::PlacementGroupTableData::Strategy.
inline rpc::PlacementGroupTableData MakePlacementGroup(
    const std::string& pg_id_hex, const std::string& name, const std::string& ns, int strategy,
    bool detached, const std::string& creator_job_id,
    const std::vector<std::map<std::string, double>>& bundles) {
  rpc::PlacementGroupTableData group;
  group.set_placement_group_id(HexToBytes(pg_id_hex));
  group.set_name(name);
  group.set_namespace_(ns);
  group.set_strategy(static_cast<rpc::PlacementGroupTableData::Strategy>(strategy));
  group.set_detached(detached);
  group.set_creator_job_id(creator_job_id);
  for (size_t i = 0; i < bundles.size(); ++i) {
    rpc::Bundle* bundle = group.add_bundles();
    bundle->set_index(static_cast<int>(i));
    for (const auto& [resource, amount] : bundles[i]) (*bundle->mutable_resources())[resource] = amount;
  }
  return group;
}

inline std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

inline std::string HexOf(const std::string& binary) {
  return BytesToHex(reinterpret_cast<const uint8_t*>(binary.data()), binary.size());
}

// A group's record as JSON for bindings: ids in hex, state and strategy by name.
inline std::string PlacementGroupJson(const rpc::PlacementGroupTableData& group) {
  std::string out = "{\"placement_group_id\": " + JsonString(HexOf(group.placement_group_id())) +
                    ", \"name\": " + JsonString(group.name()) +
                    ", \"namespace\": " + JsonString(group.namespace_()) +
                    ", \"strategy\": " +
                    JsonString(rpc::PlacementGroupTableData::Strategy_Name(group.strategy())) +
                    ", \"state\": " +
                    JsonString(rpc::PlacementGroupTableData::State_Name(group.state())) +
                    ", \"detached\": " + (group.detached() ? "true" : "false") +
                    ", \"creator_job_id\": " + JsonString(HexOf(group.creator_job_id())) +
                    ", \"pending_reason\": " + JsonString(group.pending_reason()) +
                    ", \"bundles\": [";
  for (int i = 0; i < group.bundles_size(); ++i) {
    const rpc::Bundle& bundle = group.bundles(i);
    out += std::string(i ? ", " : "") + "{\"index\": " + std::to_string(bundle.index()) +
           ", \"node_id\": " + JsonString(HexOf(bundle.node_id())) + ", \"resources\": {";
    bool first = true;
    std::map<std::string, double> sorted(bundle.resources().begin(), bundle.resources().end());
    for (const auto& [name, amount] : sorted) {
      char buf[64];
      snprintf(buf, sizeof(buf), "%.17g", amount);
      out += std::string(first ? "" : ", ") + JsonString(name) + ": " + buf;
      first = false;
    }
    out += "}}";
  }
  return out + "]}";
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
