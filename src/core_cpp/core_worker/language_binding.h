// Small helpers for language bindings (Cython, JNI) that cannot reach protobuf maps and
// nested messages conveniently.
#pragma once

#include <string>

#include "common.pb.h"
#include "common/id.h"

namespace colony::binding {

inline void SetTaskResource(rpc::TaskSpec* spec, const std::string& name, double amount) {
  (*spec->mutable_resources())[name] = amount;
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

inline std::string NestedRefOwner(const rpc::ObjectValue& value, int i) {
  return value.nested_refs(i).owner_address().SerializeAsString();
}

}  // namespace colony::binding

namespace colony::binding {

inline std::string ReturnObjectId(const std::string& task_id, uint32_t index) {
  return ObjectID::ForReturn(TaskID::FromBinary(task_id), index).Binary();
}

}  // namespace colony::binding
