#include "core_worker/reference_counter.h"

#include <chrono>

namespace colony {

using Freed = std::vector<std::pair<ObjectID, bool>>;

void ReferenceCounter::SetSelf(const rpc::Address& self) {
  MutexLock lock(mu_);
  self_ = self;
}

void ReferenceCounter::AddOwnedObject(
    const ObjectID& id, const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& contained) {
  MutexLock lock(mu_);
  auto& ref = refs_[id];
  ref.owned = true;
  ref.owner = self_;
  for (const auto& inner : contained) {
    ObjectID inner_id = ObjectID::FromBinary(inner.object_id());
    auto& inner_ref = refs_[inner_id];
    if (!inner_ref.owned) inner_ref.owner = inner.owner_address();
    inner_ref.contained++;
    ref.contains.push_back(inner_id);
  }
}

void ReferenceCounter::AddBorrowedObject(const ObjectID& id, const rpc::Address& owner) {
  MutexLock lock(mu_);
  auto& ref = refs_[id];
  if (!ref.owned) ref.owner = owner;
}

void ReferenceCounter::AddDeserializedRef(const ObjectID& id, const rpc::Address& owner) {
  MutexLock lock(mu_);
  auto& ref = refs_[id];
  if (ref.owned || owner.worker_id() == self_.worker_id()) return;
  ref.owner = owner;
  if (ref.registered > 0 || ref.registering > 0) return;
  ref.registering++;
  QueueRegistration(owner, self_, id);
}

void ReferenceCounter::QueueRegistration(const rpc::Address& owner, const rpc::Address& borrower,
                                         const ObjectID& id) {
  std::string key = Key(owner) + Key(borrower);
  queued_targets_.emplace(key, std::make_pair(owner, borrower));
  queued_adds_[key].push_back(id);
  in_flight_++;
  if (!flush_posted_) {
    flush_posted_ = true;
    cb_.post([this] { FlushRegistrations(); });
  }
}

void ReferenceCounter::FlushRegistrations() {
  std::unordered_map<std::string, std::vector<ObjectID>> adds;
  std::unordered_map<std::string, std::pair<rpc::Address, rpc::Address>> targets;
  std::string self_key;
  {
    MutexLock lock(mu_);
    adds.swap(queued_adds_);
    targets.swap(queued_targets_);
    flush_posted_ = false;
    self_key = Key(self_);
  }
  for (auto& [key, ids] : adds) {
    const auto& [owner, borrower] = targets[key];
    bool for_self = Key(borrower) == self_key;
    cb_.add_borrowers(owner, borrower, ids, [this, ids = ids, for_self](std::vector<bool> found) {
      OnRegistered(ids, for_self, std::move(found));
    });
  }
}

void ReferenceCounter::OnRegistered(const std::vector<ObjectID>& ids, bool for_self,
                                    std::vector<bool> found) {
  Freed freed;
  {
    MutexLock lock(mu_);
    in_flight_ -= static_cast<int>(ids.size());
    for (size_t i = 0; i < ids.size() && for_self; i++) {
      auto it = refs_.find(ids[i]);
      if (it == refs_.end()) continue;
      it->second.registering--;
      if (i < found.size() && found[i]) it->second.registered++;
      ReleaseIfUnused(ids[i], &freed);
    }
  }
  registrations_cv_.notify_all();
  Finish(std::move(freed));
}

void ReferenceCounter::AddLocalRef(const ObjectID& id) {
  MutexLock lock(mu_);
  refs_[id].local++;
}

void ReferenceCounter::RemoveLocalRef(const ObjectID& id) {
  Freed freed;
  {
    MutexLock lock(mu_);
    auto it = refs_.find(id);
    if (it == refs_.end() || it->second.local == 0) return;
    it->second.local--;
    ReleaseIfUnused(id, &freed);
  }
  Finish(std::move(freed));
}

void ReferenceCounter::AddSubmittedTaskRefs(const std::vector<ObjectID>& ids) {
  MutexLock lock(mu_);
  for (const auto& id : ids) refs_[id].submitted++;
}

void ReferenceCounter::RemoveSubmittedTaskRefs(const std::vector<ObjectID>& ids) {
  Freed freed;
  {
    MutexLock lock(mu_);
    for (const auto& id : ids) {
      auto it = refs_.find(id);
      if (it == refs_.end() || it->second.submitted == 0) continue;
      it->second.submitted--;
      ReleaseIfUnused(id, &freed);
    }
  }
  Finish(std::move(freed));
}

void ReferenceCounter::AddContainedRefs(
    const ObjectID& outer, const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& refs) {
  Freed freed;
  {
    MutexLock lock(mu_);
    auto outer_it = refs_.find(outer);
    for (const auto& inner : refs) {
      ObjectID id = ObjectID::FromBinary(inner.object_id());
      auto& ref = refs_[id];
      if (!ref.owned) {
        ref.owner = inner.owner_address();
        // The executor counted us unless we own the ref ourselves.
        if (inner.owner_address().worker_id() != self_.worker_id()) ref.registered++;
      } else if (ref.returning_to_self > 0) {
        ref.returning_to_self--;  // the container's hold (below) takes over
      }
      if (outer_it != refs_.end()) {
        ref.contained++;
        outer_it->second.contains.push_back(id);
      } else {
        ReleaseIfUnused(id, &freed);  // the container was dropped before it arrived
      }
    }
  }
  Finish(std::move(freed));
}

void ReferenceCounter::AddBorrowerForCaller(
    const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& refs,
    const rpc::Address& caller) {
  MutexLock lock(mu_);
  for (const auto& inner : refs) {
    ObjectID id = ObjectID::FromBinary(inner.object_id());
    auto it = refs_.find(id);
    if (it != refs_.end() && it->second.owned) {
      if (caller.worker_id() != self_.worker_id()) {
        it->second.borrowers[caller.worker_id()]++;
      } else {
        it->second.returning_to_self++;  // the executor's handle goes before the reply lands
      }
      continue;
    }
    // The caller owns it (it holds it until the reply lands) or a third process does.
    if (inner.owner_address().worker_id() == caller.worker_id()) continue;
    QueueRegistration(inner.owner_address(), caller, id);
  }
}

bool ReferenceCounter::WaitForRegistrations(int64_t timeout_ms) {
  MutexLock lock(mu_);
  return registrations_cv_.wait_for(lock.native(), std::chrono::milliseconds(timeout_ms),
                                    [this] {
                                      mu_.AssertHeld();  // the wait calls it with the lock
                                      return in_flight_ == 0;
                                    });
}

bool ReferenceCounter::AddBorrower(const ObjectID& id, const std::string& borrower_worker_id) {
  MutexLock lock(mu_);
  auto it = refs_.find(id);
  if (it == refs_.end() || !it->second.owned) return false;
  it->second.borrowers[borrower_worker_id]++;
  return true;
}

void ReferenceCounter::RemoveBorrower(const ObjectID& id, const std::string& borrower_worker_id,
                                      int count) {
  Freed freed;
  {
    MutexLock lock(mu_);
    auto it = refs_.find(id);
    if (it == refs_.end()) return;
    auto borrower = it->second.borrowers.find(borrower_worker_id);
    if (borrower == it->second.borrowers.end()) return;
    borrower->second -= count;
    if (borrower->second <= 0) it->second.borrowers.erase(borrower);
    ReleaseIfUnused(id, &freed);
  }
  Finish(std::move(freed));
}

void ReferenceCounter::RemoveBorrowerEverywhere(const std::string& borrower_worker_id) {
  Freed freed;
  {
    MutexLock lock(mu_);
    std::vector<ObjectID> touched;
    for (auto& [id, ref] : refs_) {
      if (ref.borrowers.erase(borrower_worker_id) > 0) touched.push_back(id);
    }
    for (const auto& id : touched) ReleaseIfUnused(id, &freed);
  }
  Finish(std::move(freed));
}

bool ReferenceCounter::IsOwnedByMe(const ObjectID& id) const {
  MutexLock lock(mu_);
  auto it = refs_.find(id);
  return it != refs_.end() && it->second.owned;
}

bool ReferenceCounter::IsTracked(const ObjectID& id) const {
  MutexLock lock(mu_);
  return refs_.count(id) > 0;
}

bool ReferenceCounter::GetOwner(const ObjectID& id, rpc::Address* owner) const {
  MutexLock lock(mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return false;
  *owner = it->second.owner;
  return true;
}

size_t ReferenceCounter::NumTracked() const {
  MutexLock lock(mu_);
  return refs_.size();
}

size_t ReferenceCounter::NumBorrowers(const ObjectID& id) const {
  MutexLock lock(mu_);
  auto it = refs_.find(id);
  return it == refs_.end() ? 0 : it->second.borrowers.size();
}

void ReferenceCounter::ReleaseIfUnused(const ObjectID& id, Freed* freed) {
  std::vector<ObjectID> pending{id};
  while (!pending.empty()) {
    ObjectID next = pending.back();
    pending.pop_back();
    auto it = refs_.find(next);
    if (it == refs_.end()) continue;
    Ref& ref = it->second;
    if (ref.local > 0 || ref.submitted > 0 || ref.contained > 0 || !ref.borrowers.empty() ||
        ref.registering > 0 || ref.returning_to_self > 0) {
      continue;
    }
    if (!ref.owned && ref.registered > 0) removals_.push_back({ref.owner, next, ref.registered});
    for (const ObjectID& inner : ref.contains) {
      auto inner_it = refs_.find(inner);
      if (inner_it == refs_.end() || inner_it->second.contained == 0) continue;
      inner_it->second.contained--;
      pending.push_back(inner);
    }
    freed->emplace_back(next, ref.owned);
    refs_.erase(it);
  }
}

void ReferenceCounter::Finish(Freed freed) {
  std::unordered_map<std::string, std::pair<rpc::Address, std::pair<std::vector<ObjectID>, std::vector<int>>>> removals;
  {
    MutexLock lock(mu_);
    if (in_flight_ == 0) {
      for (auto& removal : removals_) {
        auto& batch = removals[Key(removal.owner)];
        batch.first = removal.owner;
        batch.second.first.push_back(removal.id);
        batch.second.second.push_back(removal.count);
      }
      removals_.clear();
    }
  }
  for (const auto& [id, owned] : freed) cb_.on_free(id, owned);
  for (const auto& [key, batch] : removals) {
    cb_.remove_borrowers(batch.first, batch.second.first, batch.second.second);
  }
}

}  // namespace colony
