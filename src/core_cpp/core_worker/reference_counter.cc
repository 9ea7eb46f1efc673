#include "core_worker/reference_counter.h"

namespace colony {

void ReferenceCounter::AddOwnedObject(const ObjectID& id, const rpc::Address& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& ref = refs_[id];
  ref.owned = true;
  ref.owner = owner;
}

void ReferenceCounter::AddBorrowedObject(const ObjectID& id, const rpc::Address& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& ref = refs_[id];
  if (!ref.owned) ref.owner = owner;
}

void ReferenceCounter::AddLocalRef(const ObjectID& id) {
  std::lock_guard<std::mutex> lock(mu_);
  refs_[id].local++;
}

void ReferenceCounter::RemoveLocalRef(const ObjectID& id) {
  std::vector<ObjectID> freed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = refs_.find(id);
    if (it == refs_.end() || it->second.local == 0) return;
    it->second.local--;
    ReleaseIfUnused(id, &freed);
  }
  RunFreeCallbacks(freed);
}

void ReferenceCounter::AddSubmittedTaskRefs(const std::vector<ObjectID>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : ids) refs_[id].submitted++;
}

void ReferenceCounter::RemoveSubmittedTaskRefs(const std::vector<ObjectID>& ids) {
  std::vector<ObjectID> freed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& id : ids) {
      auto it = refs_.find(id);
      if (it == refs_.end() || it->second.submitted == 0) continue;
      it->second.submitted--;
      ReleaseIfUnused(id, &freed);
    }
  }
  RunFreeCallbacks(freed);
}

void ReferenceCounter::MarkEscaped(const ObjectID& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refs_.find(id);
  if (it != refs_.end()) it->second.escaped = true;
}

bool ReferenceCounter::IsOwnedByMe(const ObjectID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refs_.find(id);
  return it != refs_.end() && it->second.owned;
}

bool ReferenceCounter::IsTracked(const ObjectID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return refs_.count(id) > 0;
}

bool ReferenceCounter::GetOwner(const ObjectID& id, rpc::Address* owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return false;
  *owner = it->second.owner;
  return true;
}

size_t ReferenceCounter::NumTracked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refs_.size();
}

bool ReferenceCounter::ReleaseIfUnused(const ObjectID& id, std::vector<ObjectID>* freed) {
  auto it = refs_.find(id);
  const Ref& ref = it->second;
  if (ref.local > 0 || ref.submitted > 0 || (ref.owned && ref.escaped)) return false;
  refs_.erase(it);
  freed->push_back(id);
  return true;
}

void ReferenceCounter::RunFreeCallbacks(const std::vector<ObjectID>& freed) {
  for (const auto& id : freed) on_free_(id);
}

}  // namespace colony
