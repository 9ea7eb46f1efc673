// Submits normal tasks: resolves locally owned arguments, leases workers from raylets
// (following spillback), pushes tasks straight to leased workers, reuses a lease while
// tasks of the same shape are queued, keeps an idle lease a moment for the next task (a
// caller that submits, gets, submits... then skips two RPCs per task) and returns it after
// that; SPREAD tasks take one lease each instead. All state lives on `loop`.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core_worker/dependency_resolver.h"
#include "core_worker/lease_client.h"
#include "core_worker/memory_store.h"
#include "core_worker/reference_counter.h"
#include "core_worker/task_manager.h"
#include "core_worker/task_transport.h"

namespace colony {

class NormalTaskSubmitter {
 public:
  // Lease requests in flight per scheduling key (never more than its queued tasks).
  static constexpr int kMaxPendingLeaseRequestsPerKey = 10;
  // After an infeasible (or failed) lease request, how long until the next.
  static constexpr int64_t kInfeasibleRetryMs = 1000;
  // How long an idle lease waits for the next task of its kind before going back.
  static constexpr int64_t kIdleLeaseMs = 20;

  struct Deps {
    EventLoop* loop;
    MemoryStore* store;
    ReferenceCounter* refs;
    TaskManager* tasks;
    LeaseClient* leases;
    TaskTransport* transport;
    std::string local_raylet_address;
    const rpc::Address* self;  // this worker, named as the lessee of its leases
  };
  explicit NormalTaskSubmitter(Deps deps)
      : d_(std::move(deps)), resolver_(d_.loop, d_.store, d_.refs) {}

  // Thread-safe: hands the task to the loop.
  void Submit(TaskSpecPtr spec);
  void Cancel(const TaskID& task_id, bool force, bool recursive);
  // Returns the idle leases held at the raylet at `raylet_address`, whose node lost an
  // object (it likely died): tasks re-run to rebuild the object must not be pushed there.
  void ReturnIdleLeasesAt(const std::string& raylet_address);

 private:
  struct KeyState {
    std::deque<TaskSpecPtr> queue;
    int pending_lease_requests = 0;
    bool warned_infeasible = false;
    std::deque<std::string> idle_leases;  // lease ids kept for the next task
    // SPREAD tasks: each lease runs one task and goes back, so every task is placed by the
    // policy (a reused lease would keep them all on the node of the first grant).
    bool one_task_per_lease = false;
    // Where leases are asked for: the raylet of the node holding most of the tasks'
    // argument bytes (locality), or empty for the local raylet.
    std::string lease_raylet;
  };
  struct Lease {
    std::string lease_id;
    std::string key;
    std::string raylet_address;
    rpc::Address worker;
    TaskID running;
    uint64_t idle_since = 0;  // 0 while busy; else the idle period's number
  };

  void ResolveDependencies(TaskSpecPtr spec);
  // Locality: the raylet of the node whose store holds most of the task's owned
  // shared-memory argument bytes, or "" if none does. Only the default strategy follows
  // it; SPREAD, affinity and label strategies place work themselves.
  std::string PreferredRaylet(const rpc::TaskSpec& spec) const;
  void Enqueue(TaskSpecPtr spec);
  void RequestLeasesIfNeeded(const std::string& key);
  void RequestLease(const std::string& key, const std::string& raylet_address, bool grant_or_reject);
  void OnLeaseReply(const std::string& key, const std::string& raylet_address, Status status,
                    rpc::RequestWorkerLeaseReply reply);
  void PushNextOrReturn(const std::string& lease_id);
  void OnPushReply(const std::string& lease_id, const TaskID& task_id, Status status,
                   rpc::PushTaskReply reply);
  void ReturnLease(const std::string& lease_id, bool disconnect);
  // No task to push now: keep the lease for kIdleLeaseMs, then return it.
  void KeepIdle(const std::string& lease_id);
  // Hands queued tasks of `key` to its idle leases.
  void UseIdleLeases(const std::string& key);
  void RetryLeaseLater(const std::string& key);

  Deps d_;
  DependencyResolver resolver_;
  std::unordered_map<std::string, KeyState> keys_;
  std::unordered_map<std::string, Lease> leases_;
  std::unordered_map<TaskID, std::string> running_on_;  // task -> lease
  std::unordered_set<TaskID> resolving_;
  std::unordered_set<TaskID> cancelled_while_resolving_;
  uint64_t next_idle_period_ = 1;
};

}  // namespace colony
