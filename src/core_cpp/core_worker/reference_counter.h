// Counts references to objects in this process and runs the borrower protocol, so that an
// object is freed exactly when no process can reach it any more.
//
// An entry stays while any of these holds it:
//   local      language handles (ObjectRef instances) in this process;
//   submitted  pending tasks that take it as an argument, or carry it nested in one;
//   contained  objects this process owns whose values hold the ref (a put list of refs, a
//              task return with refs inside): the ref lives as long as its container;
//   borrowers  (owner only) other processes that hold the ref, by worker id;
//   registering (borrower only) its registration with the owner is still in flight.
//
// Borrowers: a process that deserializes a ref owned by someone else registers itself with
// the owner (batched AddBorrowers) and, when its entry goes, removes itself (batched
// RemoveBorrowers). Registration is always covered by a hold someone already has (the
// submitted task, the container), and removals wait until no registration is in flight,
// so an owner never frees an object while a borrower's registration is on the way. An
// executor returning refs registers its caller as their borrower before it replies.
#pragma once

#include <condition_variable>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/mutex.h"

namespace colony {

class ReferenceCounter {
 public:
  struct Callbacks {
    // An entry went away; `owned` says whether this process was the owner.
    std::function<void(const ObjectID&, bool owned)> on_free;
    // Asks `owner` to count `borrower` on `ids`; `done` gets found-per-id, or an empty
    // vector if the owner could not be reached.
    std::function<void(const rpc::Address& owner, const rpc::Address& borrower,
                       const std::vector<ObjectID>& ids,
                       std::function<void(std::vector<bool>)> done)>
        add_borrowers;
    std::function<void(const rpc::Address& owner, const std::vector<ObjectID>& ids,
                       const std::vector<int>& counts)>
        remove_borrowers;
    // Runs `fn` soon on another thread (batches registrations made in a burst).
    std::function<void(std::function<void()> fn)> post;
  };

  explicit ReferenceCounter(Callbacks callbacks) : cb_(std::move(callbacks)) {}
  // This process's address (borrower identity); set once the server listens.
  void SetSelf(const rpc::Address& self);

  // `contained`: refs nested in the object's value, kept while it lives.
  void AddOwnedObject(const ObjectID& id,
                      const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& contained = {});
  // A ref to someone else's object that needs no registration (a task argument the
  // caller holds for the task's duration).
  void AddBorrowedObject(const ObjectID& id, const rpc::Address& owner);
  // A ref deserialized from a value: registers this process as a borrower once.
  // Call after AddLocalRef for the ref being built: once the owner answers the
  // registration, an entry nothing holds is dropped (with the owner's address).
  void AddDeserializedRef(const ObjectID& id, const rpc::Address& owner);
  void AddLocalRef(const ObjectID& id);
  void RemoveLocalRef(const ObjectID& id);
  void AddSubmittedTaskRefs(const std::vector<ObjectID>& ids);
  void RemoveSubmittedTaskRefs(const std::vector<ObjectID>& ids);
  // A return value of a task this process owns arrived with refs inside; the executor
  // already registered this process as their borrower (one count each).
  void AddContainedRefs(const ObjectID& outer,
                        const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& refs);
  // Executor side: `caller` is about to receive `refs` in a return value; makes each
  // owner count it (locally for owned refs, by message otherwise).
  void AddBorrowerForCaller(const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& refs,
                            const rpc::Address& caller);
  // Blocks until every registration sent so far is answered (false on timeout).
  bool WaitForRegistrations(int64_t timeout_ms);

  // Owner side of the borrower messages. AddBorrower returns false for unknown objects.
  bool AddBorrower(const ObjectID& id, const std::string& borrower_worker_id);
  void RemoveBorrower(const ObjectID& id, const std::string& borrower_worker_id, int count);
  // The borrower process is gone: drops every count it held.
  void RemoveBorrowerEverywhere(const std::string& borrower_worker_id);

  bool IsOwnedByMe(const ObjectID& id) const;
  bool IsTracked(const ObjectID& id) const;
  bool GetOwner(const ObjectID& id, rpc::Address* owner) const;
  size_t NumTracked() const;
  size_t NumBorrowers(const ObjectID& id) const;

 private:
  struct Ref {
    int local = 0;
    int submitted = 0;
    int contained = 0;
    bool owned = false;
    rpc::Address owner;
    std::vector<ObjectID> contains;
    std::unordered_map<std::string, int> borrowers;  // owner: worker id -> count
    int registered = 0;   // borrower: counts the owner holds for this process
    int registering = 0;  // borrower: registrations in flight
    // Owner: a task that ran here returned the ref to a task this same process submitted;
    // held until that reply is processed (AddContainedRefs), since no borrower is counted.
    int returning_to_self = 0;
  };
  struct Removal {
    rpc::Address owner;
    ObjectID id;
    int count;
  };
  // Erases the entry if nothing holds it, cascading to the refs it contained.
  void ReleaseIfUnused(const ObjectID& id, std::vector<std::pair<ObjectID, bool>>* freed)
      COLONY_REQUIRES(mu_);
  // Queues `id` for registration with `owner` on behalf of `borrower`.
  void QueueRegistration(const rpc::Address& owner, const rpc::Address& borrower,
                         const ObjectID& id) COLONY_REQUIRES(mu_);
  void FlushRegistrations();
  void OnRegistered(const std::vector<ObjectID>& ids, bool for_self, std::vector<bool> found);
  // Runs callbacks outside the lock: frees, and removals once nothing is in flight.
  void Finish(std::vector<std::pair<ObjectID, bool>> freed);
  static std::string Key(const rpc::Address& address) { return address.SerializeAsString(); }

  Callbacks cb_;
  mutable Mutex mu_;
  std::condition_variable registrations_cv_;
  rpc::Address self_;
  std::unordered_map<ObjectID, Ref> refs_ COLONY_GUARDED_BY(mu_);
  // Registrations waiting for the next flush: (owner, borrower) -> ids.
  std::unordered_map<std::string, std::vector<ObjectID>> queued_adds_ COLONY_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::pair<rpc::Address, rpc::Address>> queued_targets_
      COLONY_GUARDED_BY(mu_);
  bool flush_posted_ COLONY_GUARDED_BY(mu_) = false;
  int in_flight_ COLONY_GUARDED_BY(mu_) = 0;  // registrations queued or sent, not yet answered
  std::vector<Removal> removals_ COLONY_GUARDED_BY(mu_);
};

}  // namespace colony
