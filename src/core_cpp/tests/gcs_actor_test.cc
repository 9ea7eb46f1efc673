// Units of centralised actor management: the actor manager and scheduler driven through
// test doubles of the lease and push seams (no processes), plus one run of the real
// GcsServer against an in-process fake raylet and fake worker over gRPC.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/event_loop.h"
#include "core_worker.grpc.pb.h"
#include "gcs.grpc.pb.h"
#include "gcs/gcs_actor_manager.h"
#include "gcs/gcs_actor_scheduler.h"
#include "gcs/gcs_server.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs_store_test_util.h"
#include "raylet.grpc.pb.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {
namespace {

using rpc::ActorTableData;
using std::chrono::milliseconds;

// Keeps every lease request until the test answers it.
class FakeLeaseClient : public ActorLeaseClient {
 public:
  struct Request {
    rpc::Address raylet;
    rpc::RequestWorkerLeaseRequest request;
    LeaseCallback callback;
  };
  struct Return {
    rpc::Address raylet;
    std::string lease_id;
    bool disconnect_worker;
  };

  void RequestWorkerLease(const rpc::Address& raylet, const rpc::RequestWorkerLeaseRequest& request,
                          LeaseCallback callback) override {
    requests.push_back({raylet, request, std::move(callback)});
  }
  void ReturnWorker(const rpc::Address& raylet, const std::string& lease_id,
                    bool disconnect_worker) override {
    returns.push_back({raylet, lease_id, disconnect_worker});
  }

  // Answers the oldest request with a fresh worker on the asked node; returns the lease.
  ActorLease Grant(int32_t pid = 4242) {
    Request r = Pop();
    rpc::RequestWorkerLeaseReply reply;
    ActorLease lease;
    lease.raylet = r.raylet;
    lease.lease_id = LeaseID::FromRandom().Binary();
    lease.worker_address.set_node_id(r.raylet.node_id());
    lease.worker_address.set_ip("10.0.0.9");
    lease.worker_address.set_port(next_port++);
    lease.worker_address.set_worker_id(WorkerID::FromRandom().Binary());
    lease.worker_pid = pid;
    reply.set_lease_id(lease.lease_id);
    *reply.mutable_worker_address() = lease.worker_address;
    reply.set_worker_pid(pid);
    r.callback(Status::OK(), reply);
    return lease;
  }
  void Answer(const rpc::RequestWorkerLeaseReply& reply, Status status = Status::OK()) {
    Request r = Pop();
    r.callback(status, reply);
  }
  Request Pop() {
    EXPECT_FALSE(requests.empty());
    Request r = std::move(requests.front());
    requests.pop_front();
    return r;
  }

  std::deque<Request> requests;
  std::vector<Return> returns;
  int next_port = 7000;
};

// Keeps every push until the test answers it.
class FakeTaskPusher : public ActorTaskPusher {
 public:
  struct Push {
    rpc::Address worker;
    rpc::PushTaskRequest request;
    PushCallback callback;
  };

  void PushTask(const rpc::Address& worker, const rpc::PushTaskRequest& request,
                PushCallback callback) override {
    pushes.push_back({worker, request, std::move(callback)});
  }
  void RequestGracefulExit(const rpc::Address& worker) override {
    graceful_exits.push_back(worker);
  }
  std::vector<rpc::Address> graceful_exits;

  void Succeed() { Pop().callback(Status::OK(), rpc::PushTaskReply()); }
  void RaiseInConstructor(const std::string& error_bytes) {
    rpc::PushTaskReply reply;
    reply.set_is_application_error(true);
    reply.add_returns()->mutable_value()->set_data(error_bytes);
    Pop().callback(Status::OK(), reply);
  }
  void FailRpc() { Pop().callback(Status::Unavailable("Socket closed"), rpc::PushTaskReply()); }
  Push Pop() {
    EXPECT_FALSE(pushes.empty());
    Push p = std::move(pushes.front());
    pushes.pop_front();
    return p;
  }

  std::deque<Push> pushes;
};

// Records the status a handler replies with.
struct CapturedReply {
  std::shared_ptr<std::promise<Status>> promise = std::make_shared<std::promise<Status>>();
  std::future<Status> done = promise->get_future();
  rpc::SendReply Send() {
    return [p = promise](Status status) { p->set_value(std::move(status)); };
  }
  bool Ready(int64_t wait_ms = 0) {
    return done.wait_for(milliseconds(wait_ms)) == std::future_status::ready;
  }
};

rpc::NodeInfo MakeNode(const NodeID& id, double cpus, double free_cpus, int port = 1234) {
  rpc::NodeInfo node;
  node.set_node_id(id.Binary());
  node.set_ip("10.0.0.2");
  node.set_raylet_port(port);
  (*node.mutable_resources_total())["CPU"] = cpus;
  if (free_cpus > 0) (*node.mutable_resources_available())["CPU"] = free_cpus;
  node.set_alive(true);
  return node;
}

struct ActorOptions {
  std::string name;
  std::string ns = "default";
  int max_restarts = 0;
  bool detached = false;
  JobID job_id = JobID::FromInt(1);
  WorkerID owner = WorkerID::FromRandom();
  NodeID owner_node = NodeID::Nil();
  double cpus = 1;
};

rpc::TaskSpec MakeCreationTask(const ActorID& actor_id, const ActorOptions& o) {
  rpc::TaskSpec task;
  task.set_type(rpc::ACTOR_CREATION_TASK);
  task.set_task_id(TaskID::FromRandom().Binary());
  task.set_job_id(o.job_id.Binary());
  task.set_actor_id(actor_id.Binary());
  task.set_language(rpc::PYTHON);
  task.mutable_function()->mutable_python()->set_module_name("mod");
  task.mutable_function()->mutable_python()->set_qualname("Counter");
  task.add_args()->mutable_value()->set_data("constructor argument");
  if (o.cpus > 0) (*task.mutable_resources())["CPU"] = o.cpus;
  task.mutable_caller_address()->set_worker_id(o.owner.Binary());
  task.mutable_caller_address()->set_node_id(o.owner_node.Binary());
  task.mutable_caller_address()->set_ip("10.0.0.1");
  task.mutable_caller_address()->set_port(5555);
  rpc::ActorCreationSpec* spec = task.mutable_actor_creation();
  spec->set_actor_id(actor_id.Binary());
  spec->set_name(o.name);
  spec->set_namespace_(o.ns);
  spec->set_detached(o.detached);
  spec->set_max_restarts(o.max_restarts);
  spec->set_class_name("Counter");
  return task;
}

// The manager and the real scheduler over the fakes. The loop is not running unless a
// test starts it, so nothing happens behind the test's back.
class GcsActorManagerTest : public ::testing::Test {
 protected:
  GcsActorManagerTest() {
    scheduler_options_.push_failure_grace_ms = 50;
    MakeManager();
  }
  ~GcsActorManagerTest() override { loop_.Stop(); }

  void MakeManager() {
    scheduler_ = std::make_unique<GcsActorScheduler>(
        &loop_, [this] { return nodes_; }, &leases_, &pusher_, scheduler_options_);
    manager_ = std::make_unique<GcsActorManager>(&loop_, &storage_, scheduler_.get(),
                                                 manager_options_);
  }

  NodeID AddNode(double cpus = 4, double free_cpus = 4) {
    NodeID id = NodeID::FromRandom();
    nodes_.push_back(MakeNode(id, cpus, free_cpus, 1000 + static_cast<int>(nodes_.size())));
    return id;
  }

  // Registers a new actor; returns its ID (nil when registration failed).
  ActorID Register(const ActorOptions& o = {}, Status* status_out = nullptr,
                   rpc::RegisterActorReply* reply_out = nullptr, bool get_if_exists = false) {
    ActorID actor_id = ActorID::FromRandom();
    rpc::RegisterActorRequest request;
    *request.mutable_creation_task() = MakeCreationTask(actor_id, o);
    request.set_get_if_exists(get_if_exists);
    rpc::RegisterActorReply reply;
    CapturedReply done;
    manager_->HandleRegisterActor(request, &reply, done.Send());
    EXPECT_TRUE(done.Ready());
    Status status = done.done.get();
    if (status_out) *status_out = status;
    if (reply_out) *reply_out = reply;
    return status.ok() ? actor_id : ActorID::Nil();
  }

  // Registers, leases and creates an actor; returns its ID and lease.
  std::pair<ActorID, ActorLease> CreateAlive(const ActorOptions& o = {}) {
    ActorID actor_id = Register(o);
    ActorLease lease = leases_.Grant();
    pusher_.Succeed();
    EXPECT_EQ(State(actor_id), ActorTableData::ALIVE);
    return {actor_id, lease};
  }

  const ActorTableData& Actor(const ActorID& id) { return *manager_->GetActor(id); }
  ActorTableData::State State(const ActorID& id) { return Actor(id).state(); }

  void StartLoop() { loop_.StartThread("test-loop"); }
  void OnLoop(const std::function<void()>& fn) {
    std::promise<void> ran;
    loop_.Post([&] {
      fn();
      ran.set_value();
    });
    ran.get_future().wait();
  }

  EventLoop loop_;
  InMemoryStoreClient store_;
  GcsTableStorage storage_{&store_};
  std::vector<rpc::NodeInfo> nodes_;
  FakeLeaseClient leases_;
  FakeTaskPusher pusher_;
  GcsActorSchedulerOptions scheduler_options_;
  GcsActorManagerOptions manager_options_;
  std::unique_ptr<GcsActorScheduler> scheduler_;
  std::unique_ptr<GcsActorManager> manager_;
};

TEST_F(GcsActorManagerTest, GcsActorNamesAreUniquePerNamespaceAndGetIfExists) {
  AddNode();
  ActorOptions o;
  o.name = "counter";
  o.ns = "ns1";
  ActorID first = Register(o);
  ASSERT_FALSE(first.IsNil());

  Status status;
  EXPECT_TRUE(Register(o, &status).IsNil());
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find("'counter'"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("'ns1'"), std::string::npos) << status.message();

  rpc::RegisterActorReply reply;
  ASSERT_FALSE(Register(o, &status, &reply, /*get_if_exists=*/true).IsNil());
  EXPECT_TRUE(reply.existed());
  EXPECT_EQ(reply.actor().actor_id(), first.Binary());

  o.ns = "ns2";
  ActorID other_ns = Register(o);
  ASSERT_FALSE(other_ns.IsNil());
  EXPECT_EQ(manager_->num_actors(), 2u);

  // By name, per namespace; the listing too.
  rpc::GetActorInfoRequest get;
  get.set_name("counter");
  get.set_namespace_("ns2");
  rpc::GetActorInfoReply info;
  CapturedReply got;
  manager_->HandleGetActorInfo(get, &info, got.Send());
  ASSERT_TRUE(got.Ready() && got.done.get().ok());
  EXPECT_TRUE(info.found());
  EXPECT_EQ(info.actor().actor_id(), other_ns.Binary());
  EXPECT_EQ(info.actor().creation_task().args_size(), 0);  // not shipped to readers
  EXPECT_EQ(info.actor().state(), ActorTableData::PENDING_CREATION);
  EXPECT_EQ(info.actor().version(), 1);

  rpc::ListNamedActorsRequest list;
  list.set_namespace_("ns1");
  rpc::ListNamedActorsReply listed;
  CapturedReply listed_done;
  manager_->HandleListNamedActors(list, &listed, listed_done.Send());
  ASSERT_EQ(listed.actors_size(), 1);
  EXPECT_EQ(listed.actors(0).actor_id(), first.Binary());
  list.set_all_namespaces(true);
  rpc::ListNamedActorsReply all;
  CapturedReply all_done;
  manager_->HandleListNamedActors(list, &all, all_done.Send());
  EXPECT_EQ(all.actors_size(), 2);

  // A dead actor's name is free again, and lookups by name no longer find it.
  ASSERT_TRUE(manager_->KillActor(first, /*no_restart=*/true).ok());
  get.set_namespace_("ns1");
  rpc::GetActorInfoReply gone;
  CapturedReply gone_done;
  manager_->HandleGetActorInfo(get, &gone, gone_done.Send());
  EXPECT_FALSE(gone.found());
  o.ns = "ns1";
  EXPECT_FALSE(Register(o).IsNil());

  // Anonymous actors never collide.
  EXPECT_FALSE(Register().IsNil());
  EXPECT_FALSE(Register().IsNil());

  // Bad requests.
  rpc::RegisterActorRequest bad;
  bad.mutable_creation_task()->set_type(rpc::NORMAL_TASK);
  rpc::RegisterActorReply bad_reply;
  CapturedReply bad_done;
  manager_->HandleRegisterActor(bad, &bad_reply, bad_done.Send());
  EXPECT_EQ(bad_done.done.get().code(), StatusCode::kInvalidArgument);
  // Absurd resource amounts are refused with the field named (1e300 used to reach the
  // scheduler's arithmetic).
  for (double absurd : {-1.0, 1e300}) {
    rpc::RegisterActorRequest request;
    *request.mutable_creation_task() = MakeCreationTask(ActorID::FromRandom(), {});
    (*request.mutable_creation_task()->mutable_resources())["CPU"] = absurd;
    rpc::RegisterActorReply reply;
    CapturedReply done;
    manager_->HandleRegisterActor(request, &reply, done.Send());
    Status status = done.done.get();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << absurd;
    EXPECT_NE(status.message().find("creation_task.resources"), std::string::npos)
        << status.message();
  }
}

TEST_F(GcsActorManagerTest, GcsActorCreationLeasesPushesAndBecomesAlive) {
  NodeID node = AddNode();
  ActorOptions o;
  o.owner_node = node;
  o.cpus = 2;
  ActorID actor_id = Register(o);
  EXPECT_EQ(State(actor_id), ActorTableData::PENDING_CREATION);

  ASSERT_EQ(leases_.requests.size(), 1u);
  const auto& asked = leases_.requests.front();
  EXPECT_EQ(asked.raylet.node_id(), node.Binary());
  EXPECT_EQ(asked.raylet.port(), 1000);
  EXPECT_EQ(asked.request.job_id(), JobID::FromInt(1).Binary());
  EXPECT_EQ(asked.request.resources().at("CPU"), 2);
  EXPECT_EQ(asked.request.task_id(), Actor(actor_id).creation_task().task_id());
  EXPECT_TRUE(asked.request.grant_or_reject());  // the GCS chose the node
  EXPECT_FALSE(asked.request.detached_actor());
  ActorLease lease = leases_.Grant(/*pid=*/999);

  ASSERT_EQ(pusher_.pushes.size(), 1u);
  const auto& push = pusher_.pushes.front();
  EXPECT_EQ(push.worker.worker_id(), lease.worker_address.worker_id());
  EXPECT_EQ(push.request.intended_worker_id(), lease.worker_address.worker_id());
  EXPECT_EQ(push.request.task().type(), rpc::ACTOR_CREATION_TASK);
  EXPECT_EQ(push.request.task().args_size(), 1);  // the worker gets the whole spec
  EXPECT_EQ(push.request.task().attempt_number(), 0);
  EXPECT_EQ(State(actor_id), ActorTableData::PENDING_CREATION);
  pusher_.Succeed();

  const ActorTableData& alive = Actor(actor_id);
  EXPECT_EQ(alive.state(), ActorTableData::ALIVE);
  EXPECT_EQ(alive.address().worker_id(), lease.worker_address.worker_id());
  EXPECT_EQ(alive.address().node_id(), node.Binary());
  EXPECT_EQ(alive.node_id(), node.Binary());
  EXPECT_EQ(alive.pid(), 999);
  EXPECT_EQ(alive.version(), 2);
  EXPECT_TRUE(leases_.returns.empty());  // held for the actor's life

  // Written through to the store.
  auto stored = testing::SyncStore(&store_).Get(tables::kActors, actor_id.Binary());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  ActorTableData record;
  ASSERT_TRUE(record.ParseFromString(**stored));
  EXPECT_EQ(record.state(), ActorTableData::ALIVE);
  EXPECT_EQ(record.lease_id(), lease.lease_id);
}

TEST_F(GcsActorManagerTest, GcsActorConstructorErrorIsCreationFailed) {
  AddNode();
  ActorOptions o;
  o.max_restarts = 3;  // a raising constructor is not retried
  ActorID actor_id = Register(o);
  ActorLease lease = leases_.Grant();
  pusher_.RaiseInConstructor("pickled ValueError");
  const ActorTableData& dead = Actor(actor_id);
  EXPECT_EQ(dead.state(), ActorTableData::DEAD);
  EXPECT_EQ(dead.death_cause(), ActorTableData::CREATION_FAILED);
  EXPECT_EQ(dead.death_message(), "the actor's constructor raised an exception");
  EXPECT_EQ(dead.creation_error().data(), "pickled ValueError");
  EXPECT_EQ(dead.num_restarts(), 0);
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, lease.lease_id);
  EXPECT_TRUE(leases_.returns[0].disconnect_worker);
  EXPECT_TRUE(leases_.requests.empty());
}

TEST_F(GcsActorManagerTest, GcsActorRestartsAreCountedUntilDead) {
  AddNode();
  ActorOptions o;
  o.max_restarts = 2;
  auto [actor_id, lease] = CreateAlive(o);

  for (int restart = 1; restart <= 2; restart++) {
    manager_->OnWorkerFailure(lease.worker_id(), "exited with code 1", false);
    EXPECT_EQ(State(actor_id), ActorTableData::RESTARTING);
    EXPECT_EQ(Actor(actor_id).num_restarts(), restart);
    EXPECT_FALSE(Actor(actor_id).has_address());
    ASSERT_EQ(leases_.requests.size(), 1u);  // a new lease for the new incarnation
    lease = leases_.Grant();
    EXPECT_EQ(pusher_.pushes.front().request.task().attempt_number(), restart);
    pusher_.Succeed();
    EXPECT_EQ(State(actor_id), ActorTableData::ALIVE);
  }
  int64_t version = Actor(actor_id).version();
  // A report for a worker that no longer hosts it changes nothing.
  manager_->OnWorkerFailure(WorkerID::FromRandom(), "exited with code 1", false);
  EXPECT_EQ(Actor(actor_id).version(), version);

  manager_->OnWorkerFailure(lease.worker_id(), "killed by signal 9 (Killed)", false);
  const ActorTableData& dead = Actor(actor_id);
  EXPECT_EQ(dead.state(), ActorTableData::DEAD);
  EXPECT_EQ(dead.death_cause(), ActorTableData::WORKER_CRASHED);
  EXPECT_EQ(dead.death_message(),
            "the actor's worker process died: killed by signal 9 (Killed)");
  EXPECT_EQ(dead.num_restarts(), 2);
  EXPECT_TRUE(leases_.requests.empty());
  // A second report of the same death is ignored.
  manager_->OnWorkerFailure(lease.worker_id(), "killed by signal 9 (Killed)", false);
  EXPECT_EQ(Actor(actor_id).state(), ActorTableData::DEAD);
}

TEST_F(GcsActorManagerTest, GcsActorInfiniteRestartsAndKillWithRestart) {
  AddNode();
  ActorOptions o;
  o.max_restarts = -1;
  auto [actor_id, lease] = CreateAlive(o);
  for (int i = 0; i < 5; i++) {
    manager_->OnWorkerFailure(lease.worker_id(), "exited with code 1", false);
    lease = leases_.Grant();
    pusher_.Succeed();
  }
  EXPECT_EQ(State(actor_id), ActorTableData::ALIVE);
  EXPECT_EQ(Actor(actor_id).num_restarts(), 5);

  // kill(no_restart=False): the worker is killed through its lease and the actor restarts.
  // (Leases of crashed workers were returned too: harmless, the raylet ended them.)
  size_t returned = leases_.returns.size();
  ASSERT_TRUE(manager_->KillActor(actor_id, /*no_restart=*/false).ok());
  ASSERT_EQ(leases_.returns.size(), returned + 1);
  EXPECT_EQ(leases_.returns.back().lease_id, lease.lease_id);
  EXPECT_TRUE(leases_.returns.back().disconnect_worker);
  EXPECT_EQ(State(actor_id), ActorTableData::RESTARTING);
  EXPECT_EQ(Actor(actor_id).num_restarts(), 6);
  // The raylet's report of that kill comes later and changes nothing.
  int64_t version = Actor(actor_id).version();
  manager_->OnWorkerFailure(lease.worker_id(), "killed by the raylet", true);
  EXPECT_EQ(Actor(actor_id).version(), version);
  lease = leases_.Grant();
  pusher_.Succeed();
  EXPECT_EQ(State(actor_id), ActorTableData::ALIVE);
}

TEST_F(GcsActorManagerTest, GcsActorKillWithoutRestart) {
  AddNode();
  ActorOptions o;
  o.max_restarts = 5;
  auto [actor_id, lease] = CreateAlive(o);
  ASSERT_TRUE(manager_->KillActor(actor_id, /*no_restart=*/true).ok());
  const ActorTableData& dead = Actor(actor_id);
  EXPECT_EQ(dead.state(), ActorTableData::DEAD);
  EXPECT_EQ(dead.death_cause(), ActorTableData::KILLED);
  EXPECT_EQ(dead.death_message(), "killed by colony.kill");
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_TRUE(leases_.returns[0].disconnect_worker);
  manager_->OnWorkerFailure(lease.worker_id(), "killed by the raylet", true);
  EXPECT_EQ(State(actor_id), ActorTableData::DEAD);
  EXPECT_TRUE(leases_.requests.empty());
  // Killing a dead actor is a no-op; an unknown one is NOT_FOUND.
  EXPECT_TRUE(manager_->KillActor(actor_id, true).ok());
  EXPECT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(manager_->KillActor(ActorID::FromRandom(), true).code(), StatusCode::kNotFound);

  // Killing one still being created drops its attempt; a lease granted late goes back.
  ActorID pending = Register(o);
  ASSERT_EQ(leases_.requests.size(), 1u);
  ASSERT_TRUE(manager_->KillActor(pending, true).ok());
  EXPECT_EQ(State(pending), ActorTableData::DEAD);
  ActorLease late = leases_.Grant();
  EXPECT_TRUE(pusher_.pushes.empty());
  ASSERT_EQ(leases_.returns.size(), 2u);
  EXPECT_EQ(leases_.returns[1].lease_id, late.lease_id);
  EXPECT_FALSE(leases_.returns[1].disconnect_worker);  // never used: reusable
}

TEST_F(GcsActorManagerTest, GcsActorOwnerDeathKillsNonDetachedOnly) {
  AddNode(8, 8);
  WorkerID owner = WorkerID::FromRandom();
  ActorOptions owned;
  owned.owner = owner;
  ActorOptions detached = owned;
  detached.detached = true;
  ActorOptions other;  // another owner
  auto [owned_id, owned_lease] = CreateAlive(owned);
  auto [detached_id, detached_lease] = CreateAlive(detached);
  auto [other_id, other_lease] = CreateAlive(other);
  ActorID pending_id = Register(owned);  // still waiting for its lease
  EXPECT_TRUE(leases_.requests.size() == 1);

  manager_->OnWorkerFailure(owner, "exited with code 0", false);
  EXPECT_EQ(State(owned_id), ActorTableData::DEAD);
  EXPECT_EQ(Actor(owned_id).death_cause(), ActorTableData::OWNER_DIED);
  EXPECT_EQ(Actor(owned_id).death_message(), "the actor's owner died");
  EXPECT_EQ(State(pending_id), ActorTableData::DEAD);
  EXPECT_EQ(State(detached_id), ActorTableData::ALIVE);
  EXPECT_EQ(State(other_id), ActorTableData::ALIVE);
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, owned_lease.lease_id);
  EXPECT_TRUE(leases_.returns[0].disconnect_worker);
  // The dead pending actor's lease, granted late, goes back unused.
  ActorLease late = leases_.Grant();
  EXPECT_TRUE(pusher_.pushes.empty());
  ASSERT_EQ(leases_.returns.size(), 2u);
  EXPECT_EQ(leases_.returns[1].lease_id, late.lease_id);
  EXPECT_FALSE(leases_.returns[1].disconnect_worker);

  // Fate-sharing is transitive: the owned actor's own death would kill its children.
  ActorOptions grandchild;
  grandchild.owner = other_lease.worker_id();
  auto [child_id, child_lease] = CreateAlive(grandchild);
  manager_->OnWorkerFailure(other_lease.worker_id(), "killed by signal 9 (Killed)", false);
  EXPECT_EQ(State(other_id), ActorTableData::DEAD);
  EXPECT_EQ(Actor(other_id).death_cause(), ActorTableData::WORKER_CRASHED);
  EXPECT_EQ(State(child_id), ActorTableData::DEAD);
  EXPECT_EQ(Actor(child_id).death_cause(), ActorTableData::OWNER_DIED);
}

TEST_F(GcsActorManagerTest, GcsActorJobFinishKillsNonDetachedActorsOfTheJob) {
  AddNode(8, 8);
  ActorOptions job1;
  ActorOptions job1_detached;
  job1_detached.detached = true;
  ActorOptions job2;
  job2.job_id = JobID::FromInt(2);
  auto [a, a_lease] = CreateAlive(job1);
  auto [d, d_lease] = CreateAlive(job1_detached);
  auto [b, b_lease] = CreateAlive(job2);

  manager_->OnJobFinished(JobID::FromInt(1));
  EXPECT_EQ(State(a), ActorTableData::DEAD);
  EXPECT_EQ(Actor(a).death_cause(), ActorTableData::OWNER_DIED);
  EXPECT_EQ(State(d), ActorTableData::ALIVE);
  EXPECT_EQ(State(b), ActorTableData::ALIVE);
  ASSERT_EQ(leases_.returns.size(), 1u);
  EXPECT_EQ(leases_.returns[0].lease_id, a_lease.lease_id);
}

TEST_F(GcsActorManagerTest, GcsActorJobManagerNotifiesOnFinish) {
  GcsJobManager jobs(&storage_);
  ASSERT_TRUE(jobs.Initialize(testing::LoadInitData(&storage_)).ok());
  std::vector<JobID> finished;
  jobs.AddJobFinishedListener([&](const JobID& id) { finished.push_back(id); });
  auto job = jobs.AddJob(rpc::JobInfo());
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE(jobs.MarkJobFinished(*job).ok());
  ASSERT_TRUE(jobs.MarkJobFinished(*job).ok());  // idempotent: told once
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0], *job);
}

TEST_F(GcsActorManagerTest, GcsActorPollIsWokenByStateChange) {
  AddNode();
  ActorID actor_id = Register();
  // Unknown actor: NOT_FOUND.
  {
    rpc::PollActorStateRequest request;
    request.set_actor_id(ActorID::FromRandom().Binary());
    rpc::PollActorStateReply reply;
    CapturedReply done;
    manager_->HandlePollActorState(request, &reply, done.Send());
    ASSERT_TRUE(done.Ready());
    EXPECT_EQ(done.done.get().code(), StatusCode::kNotFound);
  }
  // Older version: at once.
  {
    rpc::PollActorStateRequest request;
    request.set_actor_id(actor_id.Binary());
    request.set_after_version(0);
    rpc::PollActorStateReply reply;
    CapturedReply done;
    manager_->HandlePollActorState(request, &reply, done.Send());
    ASSERT_TRUE(done.Ready());
    EXPECT_EQ(reply.actor().version(), 1);
  }
  // Current version: held until the actor changes.
  rpc::PollActorStateRequest request;
  request.set_actor_id(actor_id.Binary());
  request.set_after_version(1);
  rpc::PollActorStateReply reply;
  CapturedReply held;
  manager_->HandlePollActorState(request, &reply, held.Send());
  EXPECT_FALSE(held.Ready());
  EXPECT_EQ(manager_->num_held_polls(), 1u);
  leases_.Grant();
  EXPECT_FALSE(held.Ready());  // leasing is not a state change
  pusher_.Succeed();
  ASSERT_TRUE(held.Ready());
  EXPECT_TRUE(held.done.get().ok());
  EXPECT_EQ(reply.actor().state(), ActorTableData::ALIVE);
  EXPECT_EQ(reply.actor().version(), 2);
  EXPECT_EQ(manager_->num_held_polls(), 0u);

  // Shutdown answers held polls.
  rpc::PollActorStateReply last;
  CapturedReply last_done;
  request.set_after_version(2);
  manager_->HandlePollActorState(request, &last, last_done.Send());
  EXPECT_FALSE(last_done.Ready());
  manager_->Shutdown();
  ASSERT_TRUE(last_done.Ready());
  EXPECT_EQ(last.actor().version(), 2);
}

TEST_F(GcsActorManagerTest, GcsActorPollTimesOutWithCurrentData) {
  manager_options_.poll_timeout_ms = 50;
  MakeManager();
  AddNode();
  ActorID actor_id = Register();
  StartLoop();
  rpc::PollActorStateRequest request;
  request.set_actor_id(actor_id.Binary());
  request.set_after_version(1);
  rpc::PollActorStateReply reply;
  CapturedReply held;
  OnLoop([&] { manager_->HandlePollActorState(request, &reply, held.Send()); });
  EXPECT_FALSE(held.Ready(10));
  ASSERT_TRUE(held.Ready(2000));
  EXPECT_TRUE(held.done.get().ok());
  EXPECT_EQ(reply.actor().version(), 1);
  EXPECT_EQ(reply.actor().state(), ActorTableData::PENDING_CREATION);
}

TEST_F(GcsActorManagerTest, GcsActorWorkerDeathDuringCreation) {
  AddNode();
  ActorOptions o;
  ActorID crashed = Register(o);
  ActorLease lease = leases_.Grant();
  ASSERT_EQ(pusher_.pushes.size(), 1u);
  // The raylet reports the death before the push fails: its reason is the message.
  manager_->OnWorkerFailure(lease.worker_id(), "exited with code 1", false);
  EXPECT_EQ(State(crashed), ActorTableData::DEAD);
  EXPECT_EQ(Actor(crashed).death_cause(), ActorTableData::WORKER_CRASHED);
  EXPECT_EQ(Actor(crashed).death_message(), "the actor's worker process died: exited with code 1");
  pusher_.FailRpc();  // the stale attempt's failure is ignored
  EXPECT_EQ(Actor(crashed).death_message(), "the actor's worker process died: exited with code 1");

  // Without a report, a failed push fails the attempt after a short grace period.
  o.max_restarts = 1;
  ActorID restarted = Register(o);
  leases_.Grant();
  StartLoop();
  OnLoop([&] { pusher_.FailRpc(); });
  for (int i = 0; i < 200; i++) {
    bool restarting = false;
    OnLoop([&] { restarting = State(restarted) == ActorTableData::RESTARTING; });
    if (restarting) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  OnLoop([&] {
    EXPECT_EQ(State(restarted), ActorTableData::RESTARTING);
    EXPECT_EQ(Actor(restarted).num_restarts(), 1);
    ASSERT_FALSE(leases_.returns.empty());
    EXPECT_TRUE(leases_.returns.back().disconnect_worker);
    EXPECT_EQ(leases_.requests.size(), 1u);  // the restart asks for a new lease
  });

  // A worker that cannot be started fails the attempt like a crash.
  OnLoop([&] {
    rpc::RequestWorkerLeaseReply reply;
    reply.set_failure_message("worker exited with exit code 1 before registering");
    leases_.Answer(reply);
    EXPECT_EQ(State(restarted), ActorTableData::DEAD);
    EXPECT_NE(Actor(restarted).death_message().find("could not be started"), std::string::npos)
        << Actor(restarted).death_message();
  });
}

TEST_F(GcsActorManagerTest, GcsActorNodeDeathRestartsElsewhereOrDies) {
  NodeID first = AddNode();
  ActorOptions keep;
  keep.max_restarts = 1;
  ActorOptions once;
  auto [restartable, lease1] = CreateAlive(keep);
  auto [fragile, lease2] = CreateAlive(once);
  NodeID second = AddNode();
  ActorOptions on_second;
  on_second.owner_node = second;
  ActorOptions child = on_second;
  child.owner_node = first;  // owned by a process on the first node, hosted on the second
  auto [child_id, child_lease] = CreateAlive(child);

  nodes_[0].set_alive(false);
  manager_->OnNodeDead(first, "health check timed out");
  EXPECT_EQ(State(fragile), ActorTableData::DEAD);
  EXPECT_EQ(Actor(fragile).death_cause(), ActorTableData::NODE_DIED);
  EXPECT_NE(Actor(fragile).death_message().find("health check timed out"), std::string::npos);
  EXPECT_EQ(State(child_id), ActorTableData::DEAD);
  EXPECT_EQ(Actor(child_id).death_cause(), ActorTableData::OWNER_DIED);
  EXPECT_EQ(State(restartable), ActorTableData::RESTARTING);
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests.front().raylet.node_id(), second.Binary());
  leases_.Grant();
  pusher_.Succeed();
  EXPECT_EQ(State(restartable), ActorTableData::ALIVE);
  EXPECT_EQ(Actor(restartable).node_id(), second.Binary());
}

TEST_F(GcsActorManagerTest, GcsActorWaitsForAFeasibleNode) {
  ActorOptions o;
  o.cpus = 4;
  AddNode(2, 2);
  ActorID actor_id = Register(o);
  EXPECT_TRUE(leases_.requests.empty());
  EXPECT_EQ(scheduler_->num_waiting(), 1u);
  EXPECT_EQ(State(actor_id), ActorTableData::PENDING_CREATION);

  NodeID big = AddNode(8, 8);
  scheduler_->OnNodeAdded();
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests.front().raylet.node_id(), big.Binary());

  // Spilled back: asked again at the named raylet, which may not spill further.
  rpc::RequestWorkerLeaseReply spill;
  spill.mutable_retry_at_raylet()->set_node_id(NodeID::FromRandom().Binary());
  spill.mutable_retry_at_raylet()->set_ip("10.0.0.7");
  spill.mutable_retry_at_raylet()->set_port(4321);
  leases_.Answer(spill);
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_EQ(leases_.requests.front().raylet.port(), 4321);
  EXPECT_TRUE(leases_.requests.front().request.grant_or_reject());
  // Infeasible there: waits for the next retry.
  rpc::RequestWorkerLeaseReply infeasible;
  infeasible.set_infeasible(true);
  leases_.Answer(infeasible);
  EXPECT_EQ(scheduler_->num_waiting(), 1u);
  scheduler_->OnNodeAdded();
  ASSERT_EQ(leases_.requests.size(), 1u);
  // An unreachable raylet also means waiting.
  leases_.Answer(rpc::RequestWorkerLeaseReply(), Status::Unavailable("connection refused"));
  EXPECT_EQ(scheduler_->num_waiting(), 1u);
  scheduler_->OnNodeAdded();
  leases_.Grant();
  pusher_.Succeed();
  EXPECT_EQ(State(actor_id), ActorTableData::ALIVE);
}

TEST_F(GcsActorManagerTest, GcsActorDetachedFlagReachesTheRaylet) {
  AddNode();
  ActorOptions o;
  o.detached = true;
  Register(o);
  ASSERT_EQ(leases_.requests.size(), 1u);
  EXPECT_TRUE(leases_.requests.front().request.detached_actor());
}

// With a store that answers later (Redis), what acknowledges a change waits for its write:
// the registration's reply, the creation's scheduling and the polls.
TEST_F(GcsActorManagerTest, RepliesAndPollsWaitForTheActorsWrites) {
  AddNode();
  testing::DeferredStore deferred;
  GcsTableStorage storage(&deferred);
  manager_ = std::make_unique<GcsActorManager>(&loop_, &storage, scheduler_.get(),
                                               manager_options_);
  ActorID actor_id = ActorID::FromRandom();
  rpc::RegisterActorRequest request;
  *request.mutable_creation_task() = MakeCreationTask(actor_id, {});
  rpc::RegisterActorReply reply;
  CapturedReply registered;
  manager_->HandleRegisterActor(request, &reply, registered.Send());
  rpc::PollActorStateRequest poll;
  poll.set_actor_id(actor_id.Binary());
  rpc::PollActorStateReply poll_reply;
  CapturedReply polled;
  manager_->HandlePollActorState(poll, &poll_reply, polled.Send());
  EXPECT_FALSE(registered.Ready());
  EXPECT_FALSE(polled.Ready());  // version 1 exists in memory only
  EXPECT_TRUE(leases_.requests.empty());
  deferred.Flush();
  ASSERT_TRUE(registered.Ready());
  EXPECT_TRUE(registered.done.get().ok());
  ASSERT_TRUE(polled.Ready());
  EXPECT_EQ(poll_reply.actor().version(), 1);
  EXPECT_EQ(leases_.requests.size(), 1u);  // scheduled once stored

  leases_.Grant();
  pusher_.Succeed();  // ALIVE, version 2, not stored yet
  poll.set_after_version(1);
  rpc::PollActorStateReply alive_reply;
  CapturedReply alive;
  manager_->HandlePollActorState(poll, &alive_reply, alive.Send());
  EXPECT_FALSE(alive.Ready());
  deferred.Flush();
  ASSERT_TRUE(alive.Ready());
  EXPECT_EQ(alive_reply.actor().state(), ActorTableData::ALIVE);
  EXPECT_EQ(alive_reply.actor().version(), 2);
  MakeManager();  // the default manager again, before `storage` goes away
}

TEST_F(GcsActorManagerTest, GcsActorTableReloadsFromTheStore) {
  NodeID node = AddNode(8, 8);
  ActorOptions named;
  named.name = "keeper";
  auto [alive_id, lease] = CreateAlive(named);
  ActorOptions dead_opts;
  dead_opts.name = "gone";
  ActorID dead_id = CreateAlive(dead_opts).first;
  ASSERT_TRUE(manager_->KillActor(dead_id, true).ok());
  ActorID pending_id = Register();  // its lease request is lost with the old GCS
  leases_.requests.clear();

  // A new manager on the same store, as after a GCS restart.
  ActorID alive = alive_id;  // structured bindings cannot be captured in C++17
  std::string lease_id = lease.lease_id;
  MakeManager();
  ASSERT_TRUE(manager_->Initialize(testing::LoadInitData(&storage_)).ok());
  StartLoop();
  OnLoop([&] {
    EXPECT_EQ(manager_->num_actors(), 3u);
    EXPECT_EQ(State(alive), ActorTableData::ALIVE);
    EXPECT_EQ(State(dead_id), ActorTableData::DEAD);
    EXPECT_EQ(State(pending_id), ActorTableData::PENDING_CREATION);
    EXPECT_EQ(leases_.requests.size(), 1u);  // rescheduled
    // Names of live actors are taken again; dead ones are free.
    rpc::GetActorInfoRequest get;
    get.set_name("keeper");
    get.set_namespace_("default");
    rpc::GetActorInfoReply info;
    CapturedReply done;
    manager_->HandleGetActorInfo(get, &info, done.Send());
    EXPECT_TRUE(info.found());
    EXPECT_EQ(info.actor().actor_id(), alive.Binary());
    // The reloaded lease can still be ended.
    ASSERT_TRUE(manager_->KillActor(alive, true).ok());
    ASSERT_FALSE(leases_.returns.empty());
    EXPECT_EQ(leases_.returns.back().lease_id, lease_id);
    EXPECT_EQ(leases_.returns.back().raylet.node_id(), node.Binary());
    EXPECT_EQ(leases_.returns.back().raylet.port(), 1000);
  });
}

// ---------------------------------------------------------------- scheduler node choice

class GcsActorSchedulerTest : public ::testing::Test {
 protected:
  GcsActorSchedulerTest()
      : scheduler_(&loop_, [this] { return nodes_; }, &leases_, &pusher_) {}

  NodeID AddNode(double cpus, double free_cpus) {
    NodeID id = NodeID::FromRandom();
    nodes_.push_back(MakeNode(id, cpus, free_cpus));
    return id;
  }
  static ResourceSet Cpus(double n) { return ResourceSet::FromMap({{"CPU", n}}); }
  // The node the default strategy picks, or nil when none can host the request.
  NodeID Pick(const ResourceSet& request, const NodeID& owner) {
    SchedulingDecision d = scheduler_.PickNode(request, owner, rpc::SchedulingStrategy());
    return d.kind == SchedulingDecision::Kind::kNode ? d.node_id : NodeID::Nil();
  }

  EventLoop loop_;
  std::vector<rpc::NodeInfo> nodes_;
  FakeLeaseClient leases_;
  FakeTaskPusher pusher_;
  GcsActorScheduler scheduler_;
};

TEST_F(GcsActorSchedulerTest, GcsActorSchedulerPrefersOwnerNodeThenLeastLoaded) {
  NodeID owner = AddNode(4, 3);   // 25% used
  NodeID busy = AddNode(4, 1);    // 75% used
  NodeID idle = AddNode(8, 8);    // 0% used
  NodeID dead = AddNode(64, 64);
  nodes_.back().set_alive(false);

  // The owner's node while it fits and is under half used.
  EXPECT_EQ(Pick(Cpus(1), owner), owner);
  // Otherwise the least loaded.
  EXPECT_EQ(Pick(Cpus(1), NodeID::Nil()), idle);
  EXPECT_EQ(Pick(Cpus(1), busy), idle);
  (*nodes_[0].mutable_resources_available())["CPU"] = 2;  // owner now 50% used
  EXPECT_EQ(Pick(Cpus(1), owner), idle);
  // The owner's node must have room now.
  (*nodes_[0].mutable_resources_available())["CPU"] = 3;
  EXPECT_EQ(Pick(Cpus(4), owner), idle);
  // Dead nodes never; nothing when no alive node's totals fit.
  EXPECT_TRUE(Pick(Cpus(16), owner).IsNil());
  // Totals fit but nothing is free anywhere: the preferred node queues it.
  (*nodes_[2].mutable_resources_available())["CPU"] = 0.5;  // idle: 93.75% used
  EXPECT_EQ(Pick(Cpus(4), busy), busy);
  EXPECT_EQ(Pick(Cpus(4), NodeID::Nil()), owner);  // else the least loaded
  // Resources a node lacks rule it out.
  (*nodes_[1].mutable_resources_total())["GPU"] = 1;
  (*nodes_[1].mutable_resources_available())["GPU"] = 1;
  ResourceSet gpu = ResourceSet::FromMap({{"GPU", 1}});
  EXPECT_EQ(Pick(gpu, owner), busy);
  (void)dead;
}

TEST_F(GcsActorSchedulerTest, GcsActorSchedulerCountsLeasesNotYetReported) {
  NodeID a = AddNode(4, 4);
  NodeID b = AddNode(4, 4);
  rpc::ActorTableData actor;
  actor.mutable_creation_task()->set_type(rpc::ACTOR_CREATION_TASK);
  (*actor.mutable_creation_task()->mutable_resources())["CPU"] = 4;
  actor.set_actor_id(ActorID::FromRandom().Binary());
  scheduler_.Schedule(actor);
  actor.set_actor_id(ActorID::FromRandom().Binary());
  scheduler_.Schedule(actor);
  ASSERT_EQ(leases_.requests.size(), 2u);
  // The second actor went to the other node although the table still shows both free.
  EXPECT_NE(leases_.requests[0].raylet.node_id(), leases_.requests[1].raylet.node_id());
  // After a report the figures are the node table's again.
  scheduler_.OnResourcesReported(a);
  scheduler_.OnResourcesReported(b);
  EXPECT_TRUE(Pick(Cpus(4), NodeID::Nil()) == a);
  // Attempts whose lease request went to a node that died start over elsewhere.
  nodes_[0].set_alive(false);
  EXPECT_TRUE(scheduler_.OnNodeDead(a).empty());
  ASSERT_EQ(leases_.requests.size(), 3u);
  EXPECT_EQ(leases_.requests[2].raylet.node_id(), b.Binary());
}

// ---------------------------------------------------------------- over gRPC

// A raylet that grants every lease with the one fake worker below, and records returns.
class FakeRaylet : public rpc::NodeManagerService::CallbackService {
 public:
  grpc::ServerUnaryReactor* RequestWorkerLease(grpc::CallbackServerContext* ctx,
                                               const rpc::RequestWorkerLeaseRequest* request,
                                               rpc::RequestWorkerLeaseReply* reply) override {
    std::lock_guard<std::mutex> lock(mu);
    lease_requests.push_back(*request);
    reply->set_lease_id(LeaseID::FromRandom().Binary());
    *reply->mutable_worker_address() = worker_address;
    reply->set_worker_pid(31337);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* ReturnWorker(grpc::CallbackServerContext* ctx,
                                         const rpc::ReturnWorkerRequest* request,
                                         rpc::ReturnWorkerReply*) override {
    std::lock_guard<std::mutex> lock(mu);
    returns.push_back(*request);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  std::mutex mu;
  rpc::Address worker_address;
  std::vector<rpc::RequestWorkerLeaseRequest> lease_requests;
  std::vector<rpc::ReturnWorkerRequest> returns;
};

class FakeWorker : public rpc::CoreWorkerService::CallbackService {
 public:
  grpc::ServerUnaryReactor* PushTask(grpc::CallbackServerContext* ctx,
                                     const rpc::PushTaskRequest* request,
                                     rpc::PushTaskReply*) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      pushes.push_back(*request);
      token_seen = rpc::TokenMatches(ctx, "token");
    }
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  std::mutex mu;
  std::vector<rpc::PushTaskRequest> pushes;
  bool token_seen = false;
};

TEST(GcsActorGrpcTest, GcsActorCreatedThroughRayletAndWorkerOverGrpc) {
  FakeRaylet raylet;
  FakeWorker worker;
  rpc::GrpcServer raylet_server("fake-raylet", "127.0.0.1", 0);
  raylet_server.RegisterService(&raylet);
  ASSERT_TRUE(raylet_server.Start().ok());
  rpc::GrpcServer worker_server("fake-worker", "127.0.0.1", 0);
  worker_server.RegisterService(&worker);
  ASSERT_TRUE(worker_server.Start().ok());
  NodeID node_id = NodeID::FromRandom();
  WorkerID worker_id = WorkerID::FromRandom();
  raylet.worker_address.set_node_id(node_id.Binary());
  raylet.worker_address.set_ip("127.0.0.1");
  raylet.worker_address.set_port(worker_server.port());
  raylet.worker_address.set_worker_id(worker_id.Binary());

  GcsServerOptions options;
  options.bind_ip = "127.0.0.1";
  options.cluster_token = "token";
  GcsServer gcs(options, std::make_unique<InMemoryStoreClient>());
  ASSERT_TRUE(gcs.Start().ok());
  auto stub = rpc::GcsService::NewStub(rpc::MakeChannel("127.0.0.1:" + std::to_string(gcs.port())));
  auto prepare = [](grpc::ClientContext* ctx) { rpc::PrepareClientContext(ctx, "token", 5000); };

  {
    rpc::RegisterNodeRequest request;
    *request.mutable_node() = MakeNode(node_id, 4, 4, raylet_server.port());
    request.mutable_node()->set_ip("127.0.0.1");
    rpc::RegisterNodeReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    ASSERT_TRUE(stub->RegisterNode(&ctx, request, &reply).ok());
  }
  ActorID actor_id = ActorID::FromRandom();
  ActorOptions o;
  o.name = "svc";
  o.owner_node = node_id;
  {
    rpc::RegisterActorRequest request;
    *request.mutable_creation_task() = MakeCreationTask(actor_id, o);
    rpc::RegisterActorReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    ASSERT_TRUE(stub->RegisterActor(&ctx, request, &reply).ok());
    EXPECT_EQ(reply.actor().version(), 1);
  }
  {
    // The name is taken: ALREADY_EXISTS over the wire.
    rpc::RegisterActorRequest request;
    *request.mutable_creation_task() = MakeCreationTask(ActorID::FromRandom(), o);
    rpc::RegisterActorReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    EXPECT_EQ(stub->RegisterActor(&ctx, request, &reply).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  // Long polls until ALIVE.
  rpc::ActorTableData seen;
  for (int i = 0; i < 50 && seen.state() != ActorTableData::ALIVE; i++) {
    rpc::PollActorStateRequest request;
    request.set_actor_id(actor_id.Binary());
    request.set_after_version(seen.version());
    rpc::PollActorStateReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    ASSERT_TRUE(stub->PollActorState(&ctx, request, &reply).ok());
    seen = reply.actor();
  }
  ASSERT_EQ(seen.state(), ActorTableData::ALIVE);
  EXPECT_EQ(seen.address().worker_id(), worker_id.Binary());
  EXPECT_EQ(seen.pid(), 31337);
  {
    std::lock_guard<std::mutex> lock(worker.mu);
    ASSERT_EQ(worker.pushes.size(), 1u);
    EXPECT_EQ(worker.pushes[0].intended_worker_id(), worker_id.Binary());
    EXPECT_EQ(worker.pushes[0].task().actor_creation().actor_id(), actor_id.Binary());
    EXPECT_TRUE(worker.token_seen);
  }

  // The raylet reports the worker's death; with no restarts left the actor is dead.
  {
    rpc::ReportWorkerFailureRequest request;
    request.set_worker_id(worker_id.Binary());
    request.set_node_id(node_id.Binary());
    request.set_reason("killed by signal 9 (Killed)");
    rpc::ReportWorkerFailureReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    ASSERT_TRUE(stub->ReportWorkerFailure(&ctx, request, &reply).ok());
  }
  {
    rpc::GetActorInfoRequest request;
    request.set_actor_id(actor_id.Binary());
    rpc::GetActorInfoReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    ASSERT_TRUE(stub->GetActorInfo(&ctx, request, &reply).ok());
    ASSERT_TRUE(reply.found());
    EXPECT_EQ(reply.actor().state(), ActorTableData::DEAD);
    EXPECT_EQ(reply.actor().death_message(),
              "the actor's worker process died: killed by signal 9 (Killed)");
  }
  // The lease was given back with disconnect (the raylet kills a worker that lingers).
  for (int i = 0; i < 200; i++) {
    {
      std::lock_guard<std::mutex> lock(raylet.mu);
      if (!raylet.returns.empty()) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  {
    std::lock_guard<std::mutex> lock(raylet.mu);
    ASSERT_EQ(raylet.returns.size(), 1u);
    EXPECT_TRUE(raylet.returns[0].disconnect_worker());
  }
  {
    rpc::KillActorRequest request;
    request.set_actor_id(ActorID::FromRandom().Binary());
    rpc::KillActorReply reply;
    grpc::ClientContext ctx;
    prepare(&ctx);
    EXPECT_EQ(stub->KillActor(&ctx, request, &reply).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  gcs.Stop();
  worker_server.Shutdown();
  raylet_server.Shutdown();
}

}  // namespace
}  // namespace colony::gcs
