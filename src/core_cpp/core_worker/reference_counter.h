// Counts references to objects in this process: Python/Java handles (local refs) and
// pending tasks that take them as arguments. When both reach zero an owned object is
// freed, and a borrowed object's cached copy is dropped.
//
// Until the borrower protocol lands (object store issue), an owned object whose ref left
// this process (inside an argument, a return value or a put) is kept for the owner's
// lifetime: never freed early, at the cost of memory.
#pragma once

#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"

namespace colony {

class ReferenceCounter {
 public:
  using FreeCallback = std::function<void(const ObjectID&)>;
  explicit ReferenceCounter(FreeCallback on_free) : on_free_(std::move(on_free)) {}

  void AddOwnedObject(const ObjectID& id, const rpc::Address& owner);
  // A ref to someone else's object arrived here; remembers its owner.
  void AddBorrowedObject(const ObjectID& id, const rpc::Address& owner);
  void AddLocalRef(const ObjectID& id);
  void RemoveLocalRef(const ObjectID& id);
  void AddSubmittedTaskRefs(const std::vector<ObjectID>& ids);
  void RemoveSubmittedTaskRefs(const std::vector<ObjectID>& ids);
  void MarkEscaped(const ObjectID& id);

  bool IsOwnedByMe(const ObjectID& id) const;
  bool IsTracked(const ObjectID& id) const;
  bool GetOwner(const ObjectID& id, rpc::Address* owner) const;
  size_t NumTracked() const;

 private:
  struct Ref {
    int local = 0;
    int submitted = 0;
    bool owned = false;
    bool escaped = false;
    rpc::Address owner;
  };
  // Erases the entry and reports it when nothing holds it; called with mu_ held.
  bool ReleaseIfUnused(const ObjectID& id, std::vector<ObjectID>* freed);
  void RunFreeCallbacks(const std::vector<ObjectID>& freed);

  mutable std::mutex mu_;
  std::unordered_map<ObjectID, Ref> refs_;
  FreeCallback on_free_;
};

}  // namespace colony
