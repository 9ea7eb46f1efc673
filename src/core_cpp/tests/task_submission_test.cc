// Units of the core worker's submit path: NormalTaskSubmitter, ActorTaskSubmitter,
// TaskManager and DependencyResolver, driven through test doubles of their seams (worker
// leases, the actor state poll, the task transport), with no processes. The io loop is
// pumped by hand (EventLoop::RunPending) and its clock is frozen, so delayed work (idle
// leases, retries, grace periods) happens exactly when a test moves the clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "core_worker/actor_state_source.h"
#include "core_worker/actor_task_submitter.h"
#include "core_worker/lease_client.h"
#include "core_worker/memory_store.h"
#include "core_worker/normal_task_submitter.h"
#include "core_worker/reference_counter.h"
#include "core_worker/task_manager.h"
#include "core_worker/task_transport.h"

namespace colony {
namespace {

using rpc::ActorTableData;

constexpr const char* kLocalRaylet = "10.0.0.1:1000";

// Keeps every lease request until the test answers it.
class FakeLeaseClient : public LeaseClient {
 public:
  struct Request {
    std::string raylet;
    rpc::RequestWorkerLeaseRequest request;
    LeaseCallback callback;
  };
  struct Return {
    std::string raylet;
    std::string lease_id;
    bool disconnect_worker;
  };

  void RequestWorkerLease(const std::string& raylet, rpc::RequestWorkerLeaseRequest request,
                          LeaseCallback callback) override {
    requests.push_back({raylet, std::move(request), std::move(callback)});
  }
  void ReturnWorker(const std::string& raylet, const std::string& lease_id,
                    bool disconnect_worker) override {
    returns.push_back({raylet, lease_id, disconnect_worker});
  }

  // Answers the oldest request with a fresh worker; returns the lease id.
  std::string Grant(rpc::Address* worker_out = nullptr) {
    rpc::RequestWorkerLeaseReply reply;
    reply.set_lease_id("lease-" + std::to_string(next_lease++));
    rpc::Address* worker = reply.mutable_worker_address();
    worker->set_ip("10.0.0.9");
    worker->set_port(next_port++);
    worker->set_worker_id(WorkerID::FromRandom().Binary());
    if (worker_out != nullptr) *worker_out = *worker;
    std::string lease_id = reply.lease_id();
    Answer(std::move(reply));
    return lease_id;
  }
  void Answer(rpc::RequestWorkerLeaseReply reply, Status status = Status::OK()) {
    Request r = Pop();
    r.callback(status, std::move(reply));
  }
  Request Pop() {
    EXPECT_FALSE(requests.empty());
    Request r = std::move(requests.front());
    requests.pop_front();
    return r;
  }

  std::deque<Request> requests;
  std::vector<Return> returns;
  int next_lease = 1;
  int next_port = 7000;
};

// Keeps every push until the test answers it; records cancels.
class FakeTransport : public TaskTransport {
 public:
  struct Pushed {
    rpc::Address worker;
    rpc::PushTaskRequest request;
    PushCallback done;
  };
  struct Cancellation {
    rpc::Address worker;
    TaskID task_id;
    bool force;
    bool recursive;
  };

  void Push(const rpc::Address& worker, rpc::PushTaskRequest request,
            PushCallback done) override {
    pushes.push_back({worker, std::move(request), std::move(done)});
  }
  void Cancel(const rpc::Address& worker, const TaskID& task_id, bool force,
              bool recursive) override {
    cancels.push_back({worker, task_id, force, recursive});
  }

  // Answers the oldest push: the task ran and returned `data` for each of its returns.
  void Succeed(const std::string& data = "result", bool in_plasma = false) {
    Pushed p = Pop();
    p.done(Status::OK(), ReplyFor(p.request.task(), data, in_plasma));
  }
  void Reply(rpc::PushTaskReply reply) { Pop().done(Status::OK(), std::move(reply)); }
  // The worker died (or its connection closed) before replying.
  void Fail() { Pop().done(Status::Unavailable("Socket closed"), rpc::PushTaskReply()); }
  Pushed Pop() {
    EXPECT_FALSE(pushes.empty());
    Pushed p = std::move(pushes.front());
    pushes.pop_front();
    return p;
  }
  static rpc::PushTaskReply ReplyFor(const rpc::TaskSpec& task, const std::string& data,
                                     bool in_plasma = false) {
    rpc::PushTaskReply reply;
    for (int i = 1; i <= task.num_returns(); i++) {
      auto* ret = reply.add_returns();
      ret->set_object_id(ObjectID::ForReturn(TaskID::FromBinary(task.task_id()), i).Binary());
      ret->mutable_value()->set_data(data);
      ret->mutable_value()->set_in_plasma(in_plasma);
    }
    return reply;
  }

  std::deque<Pushed> pushes;
  std::vector<Cancellation> cancels;
};

// Keeps every state poll until the test answers it.
class FakeActorStateSource : public ActorStateSource {
 public:
  struct Poll {
    ActorID actor_id;
    int64_t after_version;
    StateCallback callback;
  };

  void PollActorState(const ActorID& actor_id, int64_t after_version,
                      StateCallback callback) override {
    polls.push_back({actor_id, after_version, std::move(callback)});
  }

  // Answers the oldest poll for the actor `data` names.
  void Answer(const ActorTableData& data) {
    auto it = std::find_if(polls.begin(), polls.end(), [&data](const Poll& p) {
      return p.actor_id.Binary() == data.actor_id();
    });
    ASSERT_NE(it, polls.end()) << "no poll for the actor";
    Poll p = std::move(*it);
    polls.erase(it);
    rpc::PollActorStateReply reply;
    *reply.mutable_actor() = data;
    p.callback(Status::OK(), std::move(reply));
  }
  void Fail() { Pop().callback(Status::Unavailable("GCS unreachable"), {}); }
  Poll Pop() {
    EXPECT_FALSE(polls.empty());
    Poll p = std::move(polls.front());
    polls.pop_front();
    return p;
  }

  std::deque<Poll> polls;
};

ReferenceCounter::Callbacks NoBorrowers() {
  ReferenceCounter::Callbacks cb;
  cb.on_free = [](const ObjectID&, bool) {};
  cb.add_borrowers = [](const rpc::Address&, const rpc::Address&, const std::vector<ObjectID>&,
                        std::function<void(std::vector<bool>)> done) { done({}); };
  cb.remove_borrowers = [](const rpc::Address&, const std::vector<ObjectID>&,
                           const std::vector<int>&) {};
  cb.post = [](std::function<void()> fn) { fn(); };
  return cb;
}

struct TaskOptions {
  double cpus = 1;
  int max_retries = 3;
  bool retry_exceptions = false;
  std::vector<ObjectID> arg_refs;  // passed by reference
  std::string name = "f";
  bool spread = false;  // scheduling_strategy="SPREAD"
};

// The submitters and task manager over the fakes, with the real memory store and
// reference counter. Nothing runs unless the test pumps the loop.
class TaskSubmissionTest : public ::testing::Test {
 protected:
  TaskSubmissionTest()
      : refs_(NoBorrowers()),
        tasks_(&store_, &refs_,
               [this](TaskSpecPtr spec) { normal_->Submit(std::move(spec)); },
               [this](const ObjectID& id, const rpc::ObjectValue&) { dropped_.push_back(id); }) {
    loop_.FreezeTime();
    self_.set_ip("10.0.0.1");
    self_.set_port(5555);
    self_.set_worker_id(WorkerID::FromRandom().Binary());
    refs_.SetSelf(self_);
    normal_ = std::make_unique<NormalTaskSubmitter>(NormalTaskSubmitter::Deps{
        &loop_, &store_, &refs_, &tasks_, &leases_, &transport_, kLocalRaylet, &self_});
    actors_ = std::make_unique<ActorTaskSubmitter>(ActorTaskSubmitter::Deps{
        &loop_, &store_, &refs_, &tasks_, &transport_, &states_, "caller-1"});
  }
  ~TaskSubmissionTest() override { loop_.Stop(); }

  size_t Run() { return loop_.RunPending(); }
  void Advance(int64_t ms) {
    loop_.AdvanceTime(ms);
    Run();
  }

  // A task spec with its returns owned (and held by the language) and its pending entry
  // in the task manager, as CoreWorker::PrepareTask makes them.
  rpc::TaskSpec Prepare(rpc::TaskType type, const TaskOptions& o) {
    rpc::TaskSpec spec;
    spec.set_type(type);
    TaskID task_id = TaskID::ForNormalTask(job_, TaskID::ForDriver(job_), ++task_index_);
    spec.set_task_id(task_id.Binary());
    spec.set_parent_task_id(TaskID::ForDriver(job_).Binary());
    spec.set_job_id(job_.Binary());
    spec.set_language(rpc::PYTHON);
    spec.set_name(o.name);
    spec.set_num_returns(1);
    spec.set_max_retries(o.max_retries);
    spec.set_retry_exceptions(o.retry_exceptions);
    if (o.cpus > 0) (*spec.mutable_resources())["CPU"] = o.cpus;
    if (o.spread) spec.mutable_scheduling_strategy()->set_kind(rpc::SchedulingStrategy::SPREAD);
    *spec.mutable_caller_address() = self_;
    for (const auto& ref : o.arg_refs) {
      spec.add_args()->mutable_ref()->set_object_id(ref.Binary());
    }
    ObjectID ret = ObjectID::ForReturn(task_id, 1);
    refs_.AddOwnedObject(ret);
    refs_.AddLocalRef(ret);
    refs_.AddSubmittedTaskRefs(o.arg_refs);
    return spec;
  }

  // Submits a normal task; returns its return's id.
  ObjectID Submit(const TaskOptions& o = {}) {
    auto spec = std::make_shared<const rpc::TaskSpec>(Prepare(rpc::NORMAL_TASK, o));
    tasks_.AddPendingTask(spec, o.arg_refs);
    normal_->Submit(spec);
    return ReturnOf(*spec);
  }

  // Submits a call of `actor`; returns its return's id (the call's status in `status`).
  ObjectID Call(const ActorID& actor, const TaskOptions& o = {}, Status* status = nullptr) {
    rpc::TaskSpec spec = Prepare(rpc::ACTOR_TASK, o);
    spec.set_actor_id(actor.Binary());
    spec.set_max_retries(0);
    tasks_.AddPendingTask(std::make_shared<const rpc::TaskSpec>(spec), o.arg_refs);
    ObjectID ret = ReturnOf(spec);
    Status s = actors_->Submit(spec);
    if (!s.ok()) tasks_.RemovePendingTask(ret.task_id());
    if (status != nullptr) *status = s;
    return ret;
  }

  static ObjectID ReturnOf(const rpc::TaskSpec& spec) {
    return ObjectID::ForReturn(TaskID::FromBinary(spec.task_id()), 1);
  }
  ObjectValuePtr Value(const ObjectID& id) { return store_.GetIfExists(id); }
  // The error type stored for `id`, or -1 if it holds a value or nothing.
  int ErrorType(const ObjectID& id) {
    ObjectValuePtr v = Value(id);
    if (v == nullptr || !IsErrorValue(*v)) return -1;
    return std::stoi(v->metadata().substr(std::string(kErrorMetadataPrefix).size()));
  }
  std::string Data(const ObjectID& id) {
    ObjectValuePtr v = Value(id);
    return v == nullptr ? "<none>" : v->data();
  }

  // An object this process owns whose value is not there yet (a pending task's return).
  ObjectID OwnedPending() {
    ObjectID id = ObjectID::ForPut(TaskID::ForDriver(job_), ++put_index_);
    refs_.AddOwnedObject(id);
    refs_.AddLocalRef(id);
    return id;
  }
  // An object owned by another process.
  ObjectID Borrowed() {
    ObjectID id = ObjectID::ForPut(TaskID::FromRandom(), 1);
    rpc::Address owner;
    owner.set_ip("10.0.0.7");
    owner.set_port(6000);
    owner.set_worker_id(WorkerID::FromRandom().Binary());
    refs_.AddBorrowedObject(id, owner);
    return id;
  }

  // --- actors
  ActorTableData ActorState(const ActorID& id, ActorTableData::State state, int64_t version,
                            int port = 8000) {
    ActorTableData data;
    data.set_actor_id(id.Binary());
    data.set_class_name("Counter");
    data.set_state(state);
    data.set_version(version);
    if (state == ActorTableData::ALIVE) {
      data.mutable_address()->set_ip("10.0.0.8");
      data.mutable_address()->set_port(port);
      data.mutable_address()->set_worker_id(WorkerID::FromRandom().Binary());
    }
    return data;
  }
  // Adds a handle to a new actor and answers its first state poll with ALIVE (version 1).
  ActorID AliveActor(int max_task_retries = 0, int max_pending_calls = -1,
                     int max_concurrency = 0) {
    ActorID id = ActorID::FromRandom();
    actors_->AddActor(id, max_pending_calls, max_task_retries);
    EXPECT_EQ(states_.polls.back().actor_id, id);
    EXPECT_EQ(states_.polls.back().after_version, 0);
    ActorTableData alive = ActorState(id, ActorTableData::ALIVE, 1);
    alive.mutable_creation_task()->mutable_actor_creation()->set_max_concurrency(max_concurrency);
    states_.Answer(alive);
    Run();
    return id;
  }

  EventLoop loop_;
  MemoryStore store_;
  ReferenceCounter refs_;
  TaskManager tasks_;
  FakeLeaseClient leases_;
  FakeTransport transport_;
  FakeActorStateSource states_;
  rpc::Address self_;
  std::unique_ptr<NormalTaskSubmitter> normal_;
  std::unique_ptr<ActorTaskSubmitter> actors_;
  std::vector<ObjectID> dropped_;
  JobID job_ = JobID::FromInt(1);
  uint64_t task_index_ = 0;
  uint32_t put_index_ = 0;
};

// ------------------------------------------------------------------ normal tasks

TEST_F(TaskSubmissionTest, LeasesAreRequestedPerSchedulingKeyUpToTenAndNoMoreThanQueued) {
  std::vector<ObjectID> one_cpu;
  for (int i = 0; i < 15; i++) one_cpu.push_back(Submit());
  Run();
  ASSERT_EQ(leases_.requests.size(), static_cast<size_t>(
                                         NormalTaskSubmitter::kMaxPendingLeaseRequestsPerKey));
  for (const auto& r : leases_.requests) {
    EXPECT_EQ(r.raylet, kLocalRaylet);
    EXPECT_FALSE(r.request.grant_or_reject());
    EXPECT_EQ(r.request.lessee().worker_id(), self_.worker_id());
    EXPECT_EQ(r.request.resources().at("CPU"), 1);
  }
  // Another shape is another key, with requests of its own (as many as its tasks).
  TaskOptions two_cpus;
  two_cpus.cpus = 2;
  ObjectID big1 = Submit(two_cpus), big2 = Submit(two_cpus);
  Run();
  ASSERT_EQ(leases_.requests.size(), 12u);
  EXPECT_EQ(leases_.requests[10].request.resources().at("CPU"), 2);
  EXPECT_EQ(leases_.requests[11].request.resources().at("CPU"), 2);

  // A grant takes the head of its key's queue; no new request while 9 are in flight.
  rpc::Address worker;
  std::string lease = leases_.Grant(&worker);
  Run();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].worker.port(), worker.port());
  EXPECT_EQ(transport_.pushes[0].request.intended_worker_id(), worker.worker_id());
  EXPECT_EQ(ReturnOf(transport_.pushes[0].request.task()), one_cpu[0]);
  EXPECT_EQ(leases_.requests.size(), 11u);

  // One task at a time per lease: its reply stores the value and the lease takes the next.
  transport_.Succeed("v0");
  Run();
  EXPECT_EQ(Data(one_cpu[0]), "v0");
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(ReturnOf(transport_.pushes[0].request.task()), one_cpu[1]);
  EXPECT_TRUE(leases_.returns.empty());
  EXPECT_EQ(Value(big1), nullptr);
  EXPECT_EQ(Value(big2), nullptr);
  EXPECT_EQ(tasks_.NumPending(), 16u);
}

TEST_F(TaskSubmissionTest, SpillbackAsksTheNamedRayletToGrantOrReject) {
  ObjectID ret = Submit();
  Run();
  rpc::RequestWorkerLeaseReply spill;
  spill.mutable_retry_at_raylet()->set_ip("10.0.0.3");
  spill.mutable_retry_at_raylet()->set_port(2000);
  leases_.Answer(spill);
  Run();
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests[0].raylet, "10.0.0.3:2000");
  EXPECT_TRUE(leases_.requests[0].request.grant_or_reject());

  std::string lease = leases_.Grant();
  Run();
  transport_.Succeed();
  Run();
  EXPECT_EQ(Data(ret), "result");
  // Once idle past the window, the lease goes back to the raylet that granted it.
  Advance(NormalTaskSubmitter::kIdleLeaseMs);
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].raylet, "10.0.0.3:2000");
  EXPECT_EQ(leases_.returns[0].lease_id, lease);
  EXPECT_FALSE(leases_.returns[0].disconnect_worker);
}

// SPREAD tasks are placed one by one: a granted lease runs one task and goes back at
// once, even with more SPREAD tasks queued, so the policy picks a node for every task.
TEST_F(TaskSubmissionTest, ASpreadLeaseRunsOneTaskAndGoesBack) {
  TaskOptions spread;
  spread.spread = true;
  ObjectID first = Submit(spread), second = Submit(spread), third = Submit(spread);
  Run();
  ASSERT_EQ(leases_.requests.size(), 3u);  // one request per queued task
  std::string lease = leases_.Grant();
  Run();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  transport_.Succeed("1");
  Run();
  EXPECT_EQ(Data(first), "1");
  // Returned with two tasks still queued: the next ones wait for their own grants.
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, lease);
  EXPECT_FALSE(leases_.returns[0].disconnect_worker);
  EXPECT_TRUE(transport_.pushes.empty());
  leases_.Grant();
  leases_.Grant();
  Run();
  ASSERT_EQ(transport_.pushes.size(), 2u);
  transport_.Succeed("2");
  transport_.Succeed("3");
  Run();
  EXPECT_EQ(Data(second), "2");
  EXPECT_EQ(Data(third), "3");
  EXPECT_EQ(leases_.returns.size(), 3u);  // none kept idle
  EXPECT_TRUE(leases_.requests.empty());
}

TEST_F(TaskSubmissionTest, AnIdleLeaseIsReusedWithinItsWindowAndReturnedAfter) {
  ObjectID first = Submit();
  Run();
  rpc::Address worker;
  std::string lease = leases_.Grant(&worker);
  Run();
  transport_.Succeed("1");
  Run();
  EXPECT_EQ(Data(first), "1");

  // Within the window: the next task of the same key takes the idle lease, no request.
  Advance(NormalTaskSubmitter::kIdleLeaseMs - 1);
  EXPECT_TRUE(leases_.returns.empty());
  ObjectID second = Submit();
  Run();
  EXPECT_TRUE(leases_.requests.empty());
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].worker.worker_id(), worker.worker_id());
  transport_.Succeed("2");
  Run();
  EXPECT_EQ(Data(second), "2");

  // The window restarts with each idle period; after it the lease is returned.
  Advance(NormalTaskSubmitter::kIdleLeaseMs - 1);
  EXPECT_TRUE(leases_.returns.empty());
  Advance(1);
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, lease);
  EXPECT_EQ(leases_.returns[0].raylet, kLocalRaylet);

  // A later task needs a new lease.
  Submit();
  Run();
  EXPECT_EQ(leases_.requests.size(), 1u);
  EXPECT_TRUE(transport_.pushes.empty());
}

TEST_F(TaskSubmissionTest, IdleLeasesAtARayletThatLostAnObjectAreReturnedAtOnce) {
  Submit();
  Run();
  std::string lease = leases_.Grant();
  Run();
  transport_.Succeed();
  Run();
  normal_->ReturnIdleLeasesAt("10.0.0.99:1");  // another raylet: kept
  Run();
  EXPECT_TRUE(leases_.returns.empty());
  normal_->ReturnIdleLeasesAt(kLocalRaylet);
  Run();
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, lease);
}

TEST_F(TaskSubmissionTest, InfeasibleAndFailedLeaseRequestsAreRetriedLater) {
  ObjectID ret = Submit();
  Run();
  rpc::RequestWorkerLeaseReply infeasible;
  infeasible.set_infeasible(true);
  infeasible.set_failure_message("no node has 64 GPUs");
  leases_.Answer(infeasible);
  Run();
  EXPECT_TRUE(leases_.requests.empty());
  Advance(NormalTaskSubmitter::kInfeasibleRetryMs - 1);
  EXPECT_TRUE(leases_.requests.empty());
  Advance(1);
  ASSERT_EQ(leases_.requests.size(), 1u);

  // An RPC failure (raylet unreachable) waits the same way.
  leases_.Answer({}, Status::Unavailable("connection refused"));
  Run();
  EXPECT_TRUE(leases_.requests.empty());
  Advance(NormalTaskSubmitter::kInfeasibleRetryMs);
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(Value(ret), nullptr);  // still pending, not failed
  EXPECT_EQ(tasks_.NumPending(), 1u);

  leases_.Grant();
  Run();
  transport_.Succeed();
  Run();
  EXPECT_EQ(Data(ret), "result");
}

TEST_F(TaskSubmissionTest, AnUnschedulableLeaseFailsTheQueuedTasks) {
  ObjectID a = Submit(), b = Submit();
  Run();
  ASSERT_EQ(leases_.requests.size(), 2u);
  rpc::RequestWorkerLeaseReply unschedulable;
  unschedulable.set_unschedulable(true);
  unschedulable.set_failure_message("node affinity to a dead node");
  leases_.Answer(unschedulable);
  Run();
  EXPECT_EQ(ErrorType(a), rpc::TASK_UNSCHEDULABLE);
  EXPECT_EQ(ErrorType(b), rpc::TASK_UNSCHEDULABLE);
  EXPECT_EQ(Data(a), "node affinity to a dead node");
  EXPECT_EQ(tasks_.NumPending(), 0u);
  // The other request's grant finds nothing to run: the lease idles, then goes back.
  leases_.Grant();
  Run();
  EXPECT_TRUE(transport_.pushes.empty());
  Advance(NormalTaskSubmitter::kIdleLeaseMs);
  EXPECT_EQ(leases_.returns.size(), 1u);
}

TEST_F(TaskSubmissionTest, AWorkerDeathRetriesUpToMaxRetriesThenFailsWithWorkerDied) {
  TaskOptions o;
  o.max_retries = 1;
  ObjectID ret = Submit(o);
  Run();
  std::string first = leases_.Grant();
  Run();
  EXPECT_EQ(transport_.pushes[0].request.task().attempt_number(), 0);
  transport_.Fail();
  Run();
  // The lease goes back with its worker disconnected; the retry asks for a new one.
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, first);
  EXPECT_TRUE(leases_.returns[0].disconnect_worker);
  ASSERT_EQ(leases_.requests.size(), 1u);
  leases_.Grant();
  Run();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].request.task().attempt_number(), 1);
  transport_.Fail();
  Run();
  EXPECT_EQ(ErrorType(ret), rpc::WORKER_DIED);
  EXPECT_NE(Data(ret).find("died or was unreachable"), std::string::npos) << Data(ret);
  EXPECT_EQ(leases_.returns.size(), 2u);
  EXPECT_TRUE(leases_.requests.empty());
  EXPECT_EQ(tasks_.NumPending(), 0u);
}

TEST_F(TaskSubmissionTest, RetryableApplicationErrorsAreRetriedOthersAreNot) {
  rpc::PushTaskReply raised;
  raised.set_is_application_error(true);
  raised.set_is_retryable_error(true);

  TaskOptions o;
  o.max_retries = 1;
  o.retry_exceptions = true;
  ObjectID ret = Submit(o);
  Run();
  leases_.Grant();
  Run();
  rpc::PushTaskReply first = FakeTransport::ReplyFor(transport_.pushes[0].request.task(), "e1");
  first.MergeFrom(raised);
  transport_.Reply(first);
  Run();
  EXPECT_EQ(Value(ret), nullptr);
  // Resubmitted on the same (now idle) lease, as the next attempt.
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].request.task().attempt_number(), 1);
  rpc::PushTaskReply second = FakeTransport::ReplyFor(transport_.pushes[0].request.task(), "e2");
  second.MergeFrom(raised);
  transport_.Reply(second);
  Run();
  EXPECT_EQ(Data(ret), "e2");  // no retry left: the error value is the result
  EXPECT_TRUE(transport_.pushes.empty());

  // An application error the task does not retry is its result at once.
  ObjectID other = Submit();
  Run();
  rpc::PushTaskReply plain = FakeTransport::ReplyFor(transport_.pushes[0].request.task(), "e3");
  plain.set_is_application_error(true);
  transport_.Reply(plain);
  Run();
  EXPECT_EQ(Data(other), "e3");
  EXPECT_EQ(tasks_.NumPending(), 0u);
}

TEST_F(TaskSubmissionTest, CancellingAQueuedTaskFailsItAndItIsNeverPushed) {
  ObjectID ret = Submit();
  Run();
  normal_->Cancel(ret.task_id(), /*force=*/false, /*recursive=*/true);
  Run();
  EXPECT_EQ(ErrorType(ret), rpc::TASK_CANCELLED);
  leases_.Grant();
  Run();
  EXPECT_TRUE(transport_.pushes.empty());
  EXPECT_TRUE(transport_.cancels.empty());
  EXPECT_EQ(tasks_.NumPending(), 0u);
}

TEST_F(TaskSubmissionTest, OwnedArgumentsAreInlinedOnceTheyExistSharedOnesStayRefs) {
  ObjectID small = OwnedPending(), shared = OwnedPending(), borrowed = Borrowed();
  TaskOptions o;
  o.arg_refs = {small, shared, borrowed};
  ObjectID ret = Submit(o);
  Run();
  EXPECT_TRUE(leases_.requests.empty());  // waits for its owned arguments first

  auto value = std::make_shared<rpc::ObjectValue>();
  value->set_data("small value");
  store_.Put(small, value);
  Run();
  EXPECT_TRUE(leases_.requests.empty());
  auto marker = std::make_shared<rpc::ObjectValue>();
  marker->set_in_plasma(true);
  store_.Put(shared, marker);
  Run();
  ASSERT_EQ(leases_.requests.size(), 1u);
  leases_.Grant();
  Run();
  const rpc::TaskSpec& pushed = transport_.pushes[0].request.task();
  ASSERT_EQ(pushed.args_size(), 3);
  EXPECT_EQ(pushed.args(0).value().data(), "small value");
  EXPECT_TRUE(pushed.args(1).has_ref());  // in shared memory: the executor maps it
  EXPECT_TRUE(pushed.args(2).has_ref());  // borrowed: the executor asks its owner
  // The task manager keeps the unresolved spec, for retries that resolve again.
  EXPECT_TRUE(tasks_.PendingSpec(ret.task_id())->args(0).has_ref());
  transport_.Succeed();
  Run();
  EXPECT_EQ(Data(ret), "result");
}

TEST_F(TaskSubmissionTest, LeasesAreAskedOfTheNodeHoldingMostArgumentBytes) {
  ObjectID here = OwnedPending(), there = OwnedPending();
  auto marker = [](const std::string& raylet, uint64_t size) {
    auto value = std::make_shared<rpc::ObjectValue>();
    value->set_in_plasma(true);
    value->set_plasma_node_address(raylet);
    value->set_plasma_size(size);
    return value;
  };
  store_.Put(here, marker(kLocalRaylet, 1000));
  store_.Put(there, marker("10.0.0.4:3000", 5000));
  TaskOptions o;
  o.arg_refs = {here, there};
  ObjectID ret = Submit(o);
  Run();
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests[0].raylet, "10.0.0.4:3000");
  EXPECT_FALSE(leases_.requests[0].request.grant_or_reject());  // that raylet may spill
  // That node is unreachable: the next request goes to the local raylet.
  leases_.Answer(rpc::RequestWorkerLeaseReply(), Status::Unavailable("node gone"));
  Run();
  Advance(NormalTaskSubmitter::kInfeasibleRetryMs);
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests[0].raylet, kLocalRaylet);
  leases_.Grant();
  Run();
  transport_.Succeed();
  Run();
  EXPECT_EQ(Data(ret), "result");

  // A strategy other than the default places the task itself.
  o.spread = true;
  Submit(o);
  Run();
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests[0].raylet, kLocalRaylet);
}

TEST_F(TaskSubmissionTest, CancellingATaskWaitingForArgumentsFailsItAndDropsIt) {
  ObjectID arg = OwnedPending();
  TaskOptions o;
  o.arg_refs = {arg};
  ObjectID ret = Submit(o);
  Run();
  normal_->Cancel(ret.task_id(), false, true);
  Run();
  EXPECT_EQ(ErrorType(ret), rpc::TASK_CANCELLED);
  auto value = std::make_shared<rpc::ObjectValue>();
  value->set_data("late");
  store_.Put(arg, value);
  Run();
  EXPECT_TRUE(leases_.requests.empty());  // resolved after the cancel: never queued
  EXPECT_EQ(tasks_.NumPending(), 0u);
}

TEST_F(TaskSubmissionTest, CancellingARunningTaskAsksItsWorkerAndTheResultIsCancelled) {
  ObjectID ret = Submit();
  Run();
  rpc::Address worker;
  leases_.Grant(&worker);
  Run();
  normal_->Cancel(ret.task_id(), /*force=*/true, /*recursive=*/false);
  Run();
  ASSERT_EQ(transport_.cancels.size(), 1u);
  EXPECT_EQ(transport_.cancels[0].worker.worker_id(), worker.worker_id());
  EXPECT_EQ(transport_.cancels[0].task_id, ret.task_id());
  EXPECT_TRUE(transport_.cancels[0].force);
  EXPECT_FALSE(transport_.cancels[0].recursive);
  // A forced cancel kills the worker: the failed push is not retried.
  transport_.Fail();
  Run();
  EXPECT_EQ(ErrorType(ret), rpc::TASK_CANCELLED);
  EXPECT_TRUE(leases_.requests.empty());

  // A task that ran to the end anyway still counts as cancelled.
  ObjectID other = Submit();
  Run();
  leases_.Grant();
  Run();
  normal_->Cancel(other.task_id(), false, true);
  Run();
  transport_.Succeed();
  Run();
  EXPECT_EQ(ErrorType(other), rpc::TASK_CANCELLED);
}

TEST_F(TaskSubmissionTest, LineageIsKeptForSharedMemoryReturnsAndRebuildsThem) {
  ObjectID arg = Borrowed();
  TaskOptions o;
  o.max_retries = 1;
  o.arg_refs = {arg};
  ObjectID ret = Submit(o);
  Run();
  leases_.Grant();
  Run();
  transport_.Succeed("marker", /*in_plasma=*/true);
  Run();
  EXPECT_TRUE(Value(ret)->in_plasma());
  EXPECT_EQ(tasks_.NumPending(), 0u);
  EXPECT_TRUE(refs_.IsTracked(arg));  // held by the lineage

  // The copy was lost: the task runs again (on the idle lease), as its next attempt.
  std::string why;
  ASSERT_TRUE(tasks_.Reconstruct(ret, &why)) << why;
  EXPECT_EQ(Value(ret), nullptr);
  Run();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].request.task().attempt_number(), 1);
  EXPECT_TRUE(tasks_.Reconstruct(ret, &why));  // already under way: nothing more
  Run();
  EXPECT_EQ(transport_.pushes.size(), 1u);
  transport_.Succeed("marker 2", true);
  Run();
  EXPECT_EQ(Data(ret), "marker 2");
  // No retries left for another rebuild.
  EXPECT_FALSE(tasks_.Reconstruct(ret, &why));
  EXPECT_NE(why.find("no retries left"), std::string::npos) << why;

  // The lineage (and its hold on the argument) goes with the last return.
  tasks_.OnReturnFreed(ret);
  EXPECT_FALSE(refs_.IsTracked(arg));
  EXPECT_FALSE(tasks_.Reconstruct(ret, &why));
  EXPECT_NE(why.find("lineage is not kept"), std::string::npos) << why;
}

TEST_F(TaskSubmissionTest, NoLineageForInlineReturnsOrTasksWithoutRetries) {
  ObjectID arg = Borrowed();
  TaskOptions o;
  o.arg_refs = {arg};
  ObjectID inline_ret = Submit(o);
  TaskOptions no_retries;
  no_retries.max_retries = 0;
  ObjectID no_retry_ret = Submit(no_retries);
  Run();
  leases_.Grant();
  leases_.Grant();
  Run();
  ASSERT_EQ(transport_.pushes.size(), 2u);
  transport_.Succeed("small");
  transport_.Succeed("marker", true);
  Run();
  EXPECT_FALSE(refs_.IsTracked(arg));  // released with the task
  std::string why;
  EXPECT_FALSE(tasks_.Reconstruct(inline_ret, &why));
  EXPECT_FALSE(tasks_.Reconstruct(no_retry_ret, &why));
}

TEST_F(TaskSubmissionTest, AReturnNobodyHoldsAnyMoreIsDropped) {
  ObjectID ret = Submit();
  Run();
  leases_.Grant();
  Run();
  refs_.RemoveLocalRef(ret);  // the language dropped its ref before the reply
  transport_.Succeed("marker", true);
  Run();
  EXPECT_EQ(Value(ret), nullptr);
  ASSERT_EQ(dropped_.size(), 1u);
  EXPECT_EQ(dropped_[0], ret);
}

// ------------------------------------------------------------------ actor calls

TEST_F(TaskSubmissionTest, ActorCallsWaitForStateAndGoOutNumberedInSubmissionOrder) {
  ActorID actor = ActorID::FromRandom();
  actors_->AddActor(actor, -1, 0);
  actors_->AddActor(actor, -1, 0);  // idempotent: one poll
  ASSERT_EQ(states_.polls.size(), 1u);
  std::vector<ObjectID> rets;
  for (int i = 0; i < 3; i++) rets.push_back(Call(actor));
  Run();
  EXPECT_TRUE(transport_.pushes.empty());  // PENDING_CREATION: the calls wait

  ActorTableData alive = ActorState(actor, ActorTableData::ALIVE, 1);
  states_.Answer(alive);
  Run();
  ASSERT_EQ(transport_.pushes.size(), 3u);
  for (int i = 0; i < 3; i++) {
    const auto& push = transport_.pushes[i];
    EXPECT_EQ(push.request.task().sequence_number(), i);
    EXPECT_EQ(push.request.task().caller_handle_id(), "caller-1");
    EXPECT_EQ(push.request.intended_worker_id(), alive.address().worker_id());
    EXPECT_EQ(push.worker.port(), alive.address().port());
    EXPECT_EQ(push.request.client_processed_up_to(), 0);
    EXPECT_EQ(ReturnOf(push.request.task()), rets[i]);
  }
  // The next poll asks for what comes after version 1.
  ASSERT_EQ(states_.polls.size(), 1u);
  EXPECT_EQ(states_.polls[0].after_version, 1);

  for (int i = 0; i < 3; i++) transport_.Succeed("r" + std::to_string(i));
  for (int i = 0; i < 3; i++) EXPECT_EQ(Data(rets[i]), "r" + std::to_string(i));
  // With the actor ALIVE, a call goes out from the caller's thread: no loop turn.
  ObjectID later = Call(actor);
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].request.task().sequence_number(), 3);
  EXPECT_EQ(transport_.pushes[0].request.client_processed_up_to(), 3);
  transport_.Succeed();
  EXPECT_EQ(Data(later), "result");
}

TEST_F(TaskSubmissionTest, ActorCallsInFlightAreCappedAtTheLimitOrMaxConcurrency) {
  ActorID actor = AliveActor();
  for (int i = 0; i < ActorTaskSubmitter::kMaxInFlight + 3; i++) Call(actor);
  EXPECT_EQ(transport_.pushes.size(), static_cast<size_t>(ActorTaskSubmitter::kMaxInFlight));
  transport_.Succeed();
  transport_.Succeed();
  // Each reply lets one more out, in order.
  ASSERT_EQ(transport_.pushes.size(), static_cast<size_t>(ActorTaskSubmitter::kMaxInFlight));
  EXPECT_EQ(transport_.pushes.back().request.task().sequence_number(),
            ActorTaskSubmitter::kMaxInFlight + 1);

  // An actor running more calls at once than the cap gets them all.
  transport_.pushes.clear();
  ActorID wide = AliveActor(0, -1, /*max_concurrency=*/1500);
  for (int i = 0; i < 1600; i++) Call(wide);
  EXPECT_EQ(transport_.pushes.size(), 1500u);
}

TEST_F(TaskSubmissionTest, MaxPendingCallsRejectsCallsAtSubmit) {
  ActorID actor = AliveActor(0, /*max_pending_calls=*/2);
  Status s;
  Call(actor, {}, &s);
  EXPECT_TRUE(s.ok());
  Call(actor, {}, &s);
  EXPECT_TRUE(s.ok());
  ObjectID rejected = Call(actor, {}, &s);
  EXPECT_EQ(s.code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(Value(rejected), nullptr);
  EXPECT_EQ(transport_.pushes.size(), 2u);
  transport_.Succeed();
  Call(actor, {}, &s);  // room again
  EXPECT_TRUE(s.ok());
}

TEST_F(TaskSubmissionTest, ActorCallsWaitInOrderForOwnedArguments) {
  ActorID actor = AliveActor();
  ObjectID arg = OwnedPending();
  TaskOptions with_arg;
  with_arg.arg_refs = {arg};
  ObjectID first = Call(actor, with_arg);
  ObjectID second = Call(actor);
  Run();
  EXPECT_TRUE(transport_.pushes.empty());  // the second waits for the first's argument
  auto value = std::make_shared<rpc::ObjectValue>();
  value->set_data("arg");
  store_.Put(arg, value);
  Run();
  ASSERT_EQ(transport_.pushes.size(), 2u);
  EXPECT_EQ(ReturnOf(transport_.pushes[0].request.task()), first);
  EXPECT_EQ(transport_.pushes[0].request.task().args(0).value().data(), "arg");
  EXPECT_EQ(ReturnOf(transport_.pushes[1].request.task()), second);
}

TEST_F(TaskSubmissionTest, OrphanedCallsAreResentAfterARestartWhileMaxTaskRetriesAllows) {
  ActorID actor = AliveActor(/*max_task_retries=*/1);
  ObjectID a = Call(actor), b = Call(actor);
  ASSERT_EQ(transport_.pushes.size(), 2u);
  transport_.Fail();
  transport_.Fail();
  Run();
  EXPECT_EQ(Value(a), nullptr);  // waiting for the GCS's verdict

  states_.Answer(ActorState(actor, ActorTableData::RESTARTING, 2));
  Run();
  EXPECT_TRUE(transport_.pushes.empty());
  ActorTableData restarted = ActorState(actor, ActorTableData::ALIVE, 3, 8001);
  states_.Answer(restarted);
  Run();
  // Resent to the new worker, with their own sequence numbers and in order.
  ASSERT_EQ(transport_.pushes.size(), 2u);
  EXPECT_EQ(transport_.pushes[0].worker.port(), 8001);
  EXPECT_EQ(transport_.pushes[0].request.task().sequence_number(), 0);
  EXPECT_EQ(transport_.pushes[1].request.task().sequence_number(), 1);
  EXPECT_EQ(transport_.pushes[0].request.client_processed_up_to(), 0);
  transport_.Succeed("a");
  EXPECT_EQ(Data(a), "a");

  // b fails again; its one retry is spent: the next restart fails it.
  transport_.Fail();
  states_.Answer(ActorState(actor, ActorTableData::RESTARTING, 4));
  Run();
  states_.Answer(ActorState(actor, ActorTableData::ALIVE, 5, 8002));
  Run();
  EXPECT_TRUE(transport_.pushes.empty());
  EXPECT_EQ(ErrorType(b), rpc::ACTOR_DIED);
  EXPECT_NE(Data(b).find("max_task_retries is exhausted"), std::string::npos) << Data(b);
}

TEST_F(TaskSubmissionTest, OrphanedCallsAreSettledWhenTheActorStaysAliveUnreachable) {
  ActorID actor = AliveActor(/*max_task_retries=*/1);
  ObjectID ret = Call(actor);
  transport_.Fail();
  Advance(ActorTaskSubmitter::kOrphanGraceMs - 1);
  EXPECT_TRUE(transport_.pushes.empty());
  Advance(1);
  // No new state came: resent to the same address (one retry spent).
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].worker.port(), 8000);
  transport_.Fail();
  Advance(ActorTaskSubmitter::kOrphanGraceMs);
  EXPECT_EQ(ErrorType(ret), rpc::ACTOR_DIED);
}

TEST_F(TaskSubmissionTest, AFailedPushAfterANewerAliveStateIsSettledAtOnce) {
  ActorID actor = AliveActor(/*max_task_retries=*/-1);
  ObjectID ret = Call(actor);
  // The restart was seen before the push to the old worker failed.
  states_.Answer(ActorState(actor, ActorTableData::ALIVE, 2, 8001));
  Run();
  transport_.Fail();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  EXPECT_EQ(transport_.pushes[0].worker.port(), 8001);
  transport_.Succeed();
  EXPECT_EQ(Data(ret), "result");
}

TEST_F(TaskSubmissionTest, DeathFailsEveryCallWithTheDeathCause) {
  ActorID actor = AliveActor(/*max_task_retries=*/-1);
  ObjectID orphaned = Call(actor);
  ObjectID in_flight = Call(actor);
  ObjectID arg = OwnedPending();
  TaskOptions with_arg;
  with_arg.arg_refs = {arg};
  ObjectID queued = Call(actor, with_arg);  // waits for its argument
  transport_.Fail();  // the first call's push failed: it waits for the GCS's verdict
  Run();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  ActorTableData dead = ActorState(actor, ActorTableData::DEAD, 2);
  dead.set_death_cause(ActorTableData::WORKER_CRASHED);
  dead.set_death_message("exited with code 1");
  states_.Answer(dead);
  Run();
  for (const ObjectID& id : {in_flight, orphaned, queued}) {
    EXPECT_EQ(ErrorType(id), rpc::ACTOR_DIED);
    EXPECT_NE(Data(id).find("its worker process crashed: exited with code 1"), std::string::npos)
        << Data(id);
  }
  EXPECT_TRUE(states_.polls.empty());  // no polling a dead actor
  // A late reply changes nothing; later calls fail at once without a push.
  transport_.Succeed("late");
  EXPECT_EQ(ErrorType(in_flight), rpc::ACTOR_DIED);
  ObjectID later = Call(actor);
  EXPECT_EQ(ErrorType(later), rpc::ACTOR_DIED);
  EXPECT_TRUE(transport_.pushes.empty());
  EXPECT_EQ(tasks_.NumPending(), 0u);
}

TEST_F(TaskSubmissionTest, ACreationFailureIsEveryCallsError) {
  ActorID actor = ActorID::FromRandom();
  actors_->AddActor(actor, -1, 0);
  ObjectID ret = Call(actor);
  ActorTableData dead = ActorState(actor, ActorTableData::DEAD, 2);
  dead.set_death_cause(ActorTableData::CREATION_FAILED);
  dead.mutable_creation_error()->set_metadata("ERROR:1");
  dead.mutable_creation_error()->set_data("pickled ValueError");
  states_.Answer(dead);
  Run();
  EXPECT_EQ(Data(ret), "pickled ValueError");
}

TEST_F(TaskSubmissionTest, CancellingAQueuedCallFailsItAndStillSendsItMarked) {
  ActorID actor = ActorID::FromRandom();
  actors_->AddActor(actor, -1, 0);
  ObjectID cancelled = Call(actor), kept = Call(actor);
  actors_->Cancel(actor, cancelled.task_id(), true);
  EXPECT_EQ(ErrorType(cancelled), rpc::TASK_CANCELLED);
  states_.Answer(ActorState(actor, ActorTableData::ALIVE, 1));
  Run();
  // Sent anyway, marked, so the actor's sequence moves past it.
  ASSERT_EQ(transport_.pushes.size(), 2u);
  EXPECT_TRUE(transport_.pushes[0].request.cancelled());
  EXPECT_EQ(transport_.pushes[0].request.task().sequence_number(), 0);
  EXPECT_FALSE(transport_.pushes[1].request.cancelled());
  EXPECT_TRUE(transport_.cancels.empty());

  // A call already sent gets a CancelTask to the actor's worker (never forced).
  actors_->Cancel(actor, kept.task_id(), false);
  ASSERT_EQ(transport_.cancels.size(), 1u);
  EXPECT_EQ(transport_.cancels[0].task_id, kept.task_id());
  EXPECT_EQ(transport_.cancels[0].worker.port(), 8000);
  EXPECT_FALSE(transport_.cancels[0].force);
  EXPECT_FALSE(transport_.cancels[0].recursive);
  rpc::PushTaskReply skipped;
  skipped.set_cancelled(true);
  transport_.Succeed();  // the cancelled call's own (skipped) reply
  transport_.Reply(skipped);
  EXPECT_EQ(ErrorType(kept), rpc::TASK_CANCELLED);
  EXPECT_EQ(tasks_.NumPending(), 0u);
}

TEST_F(TaskSubmissionTest, AKillsStateIsAppliedAtOnceAndStaleStatesAreIgnored) {
  ActorID actor = AliveActor();
  // The GCS's KillActor reply, applied before the poll reports it.
  ActorTableData dead = ActorState(actor, ActorTableData::DEAD, 3);
  dead.set_death_cause(ActorTableData::KILLED);
  actors_->OnState(actor, dead);
  ObjectID ret = Call(actor);
  EXPECT_EQ(ErrorType(ret), rpc::ACTOR_DIED);
  EXPECT_NE(Data(ret).find("it was killed"), std::string::npos) << Data(ret);
  EXPECT_TRUE(transport_.pushes.empty());
  // The poll's older news changes nothing.
  states_.Answer(ActorState(actor, ActorTableData::ALIVE, 2));
  Run();
  ObjectID again = Call(actor);
  EXPECT_EQ(ErrorType(again), rpc::ACTOR_DIED);
  EXPECT_TRUE(transport_.pushes.empty());
  // States of actors this process has no handle to are ignored.
  actors_->OnState(ActorID::FromRandom(), ActorState(actor, ActorTableData::ALIVE, 9));
}

TEST_F(TaskSubmissionTest, AFailedStatePollIsRetriedLater) {
  ActorID actor = ActorID::FromRandom();
  actors_->AddActor(actor, -1, 0);
  states_.Fail();
  Run();
  EXPECT_TRUE(states_.polls.empty());
  Advance(ActorTaskSubmitter::kPollRetryMs);
  ASSERT_EQ(states_.polls.size(), 1u);
  EXPECT_EQ(states_.polls[0].after_version, 0);
  ObjectID ret = Call(actor);
  states_.Answer(ActorState(actor, ActorTableData::ALIVE, 1));
  Run();
  ASSERT_EQ(transport_.pushes.size(), 1u);
  transport_.Succeed();
  EXPECT_EQ(Data(ret), "result");
}

}  // namespace
}  // namespace colony
