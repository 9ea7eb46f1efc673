#include "core_worker/dependency_resolver.h"

namespace colony {

void DependencyResolver::Resolve(std::shared_ptr<rpc::TaskSpec> spec, std::function<void()> done) {
  auto remaining = std::make_shared<int>(1);
  auto finish_one = [remaining, done = std::move(done)]() {
    if (--*remaining == 0) done();
  };
  for (int i = 0; i < spec->args_size(); i++) {
    const auto& arg = spec->args(i);
    if (!arg.has_ref()) continue;
    ObjectID id = ObjectID::FromBinary(arg.ref().object_id());
    if (!refs_->IsOwnedByMe(id)) continue;
    ++*remaining;
    store_->GetAsync(id, [this, spec, i, finish_one](ObjectValuePtr value) {
      loop_->Post([spec, i, value, finish_one]() {
        // Small values travel inside the task; shared-memory ones stay refs (the executor
        // maps them from its node's store).
        if (!value->in_plasma()) *spec->mutable_args(i)->mutable_value() = *value;
        finish_one();
      });
    });
  }
  loop_->Post(finish_one);
}

bool DependencyResolver::NeedsResolving(const rpc::TaskSpec& spec) const {
  for (const auto& arg : spec.args()) {
    if (arg.has_ref() && refs_->IsOwnedByMe(ObjectID::FromBinary(arg.ref().object_id()))) {
      return true;
    }
  }
  return false;
}

}  // namespace colony
