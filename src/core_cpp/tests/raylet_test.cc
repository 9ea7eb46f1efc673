// Units of the raylet: lease scheduling against a worker source driven by the test,
// the cluster view, flag parsing, and the worker pool with real (shell) processes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <sstream>
#include <csignal>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "raylet/node_manager.h"
#include "raylet/raylet_config.h"
#include "raylet/scheduling/cluster_view.h"
#include "raylet/scheduling/lease_manager.h"
#include "raylet/worker_pool.h"

namespace colony::raylet {
namespace {

// Hands out workers only when the test says so, so every step of a lease is visible.
class ScriptedWorkerSource : public WorkerSource {
 public:
  void PopWorker(const WorkerRequest& request, PopWorkerCallback callback) override {
    const JobID& job_id = request.job_id;
    pops.push_back({job_id, std::move(callback)});
  }
  void PushWorker(const WorkerID& id) override { pushed.push_back(id); }
  void DisconnectWorker(const WorkerID& id) override { disconnected.push_back(id); }

  // Completes the oldest pop with a fresh worker; returns its ID.
  WorkerID GiveWorker() {
    WorkerID id = WorkerID::FromRandom();
    LeasedWorker worker{id, {}};
    worker.address.set_ip("10.0.0.1");
    worker.address.set_port(7000);
    worker.address.set_worker_id(id.Binary());
    worker.pid = 7700;
    auto pop = std::move(pops.front());
    pops.pop_front();
    pop.callback(worker);
    return id;
  }
  void FailPop(const std::string& message) {
    auto pop = std::move(pops.front());
    pops.pop_front();
    pop.callback(Status::Unavailable(message));
  }

  struct Pop {
    JobID job_id;
    PopWorkerCallback callback;
  };
  std::deque<Pop> pops;
  std::vector<WorkerID> pushed;
  std::vector<WorkerID> disconnected;
};

rpc::NodeInfo MakeNode(const NodeID& id, double cpus, double free_cpus, bool alive, int port) {
  rpc::NodeInfo node;
  node.set_node_id(id.Binary());
  node.set_ip("10.0.0.2");
  node.set_raylet_port(port);
  (*node.mutable_resources_total())["CPU"] = cpus;
  if (free_cpus > 0) (*node.mutable_resources_available())["CPU"] = free_cpus;
  node.set_alive(alive);
  return node;
}

class RayletLeaseManagerTest : public ::testing::Test {
 protected:
  void Init(const std::map<std::string, double>& total) {
    leases_ = std::make_unique<LeaseManager>(self_, ResourceSet::FromMap(total), &cluster_,
                                             &workers_);
  }
  // Sends a request; its reply lands in replies_[index].
  size_t Request(double cpus, const std::string& task_id = "", bool grant_or_reject = false,
                 const WorkerID& lessee = WorkerID()) {
    LeaseRequest request;
    request.lessee = lessee;
    request.job_id = JobID::FromInt(1);
    request.resources = ResourceSet::FromMap({{"CPU", cpus}});
    request.task_id = task_id;
    request.grant_or_reject = grant_or_reject;
    size_t index = replies_.size();
    replies_.emplace_back();
    leases_->RequestLease(request, [this, index](const rpc::RequestWorkerLeaseReply& reply) {
      replies_[index] = reply;
    });
    return index;
  }
  LeaseID LeaseOf(size_t index) { return LeaseID::FromBinary(replies_[index]->lease_id()); }
  double FreeCpu() { return leases_->available().Get("CPU"); }

  NodeID self_ = NodeID::FromRandom();
  ClusterView cluster_{self_};
  ScriptedWorkerSource workers_;
  std::unique_ptr<LeaseManager> leases_;
  std::deque<std::optional<rpc::RequestWorkerLeaseReply>> replies_;
};

TEST_F(RayletLeaseManagerTest, GrantsWithinCapacityAndQueuesBeyond) {
  Init({{"CPU", 2}});
  size_t a = Request(1), b = Request(1), c = Request(1);
  EXPECT_EQ(workers_.pops.size(), 2u);  // the third waits for CPU, not for a worker
  EXPECT_EQ(FreeCpu(), 0);
  EXPECT_EQ(leases_->num_pending(), 3u);
  EXPECT_EQ(leases_->num_waiting_for_worker(), 2u);
  EXPECT_EQ(leases_->num_queued(), 1u);
  WorkerID wa = workers_.GiveWorker();
  workers_.GiveWorker();
  ASSERT_TRUE(replies_[a] && replies_[b]);
  EXPECT_FALSE(replies_[c].has_value());
  EXPECT_TRUE(LeaseID::IsValidBinary(replies_[a]->lease_id()));
  EXPECT_NE(replies_[a]->lease_id(), replies_[b]->lease_id());
  EXPECT_EQ(replies_[a]->worker_address().worker_id(), wa.Binary());
  EXPECT_EQ(replies_[a]->worker_address().port(), 7000);
  EXPECT_EQ(leases_->num_leases(), 2u);
  EXPECT_EQ(leases_->num_pending(), 1u);
}

TEST_F(RayletLeaseManagerTest, FractionalCpuPacksExactly) {
  Init({{"CPU", 1}});
  for (int i = 0; i < 10; i++) Request(0.1);
  EXPECT_EQ(workers_.pops.size(), 10u);
  EXPECT_TRUE(leases_->available().Empty());
  Request(0.1);
  EXPECT_EQ(workers_.pops.size(), 10u);
  EXPECT_EQ(leases_->num_pending(), 11u);
}

TEST_F(RayletLeaseManagerTest, ReturnFreesAndDispatchesQueued) {
  Init({{"CPU", 1}});
  size_t a = Request(1);
  WorkerID wa = workers_.GiveWorker();
  size_t b = Request(1);
  EXPECT_TRUE(workers_.pops.empty());
  EXPECT_FALSE(leases_->ReturnLease(LeaseID::FromRandom(), false));
  ASSERT_TRUE(leases_->ReturnLease(LeaseOf(a), false));
  ASSERT_EQ(workers_.pushed.size(), 1u);
  EXPECT_EQ(workers_.pushed[0], wa);
  ASSERT_EQ(workers_.pops.size(), 1u);
  workers_.GiveWorker();
  ASSERT_TRUE(replies_[b].has_value());
  EXPECT_FALSE(replies_[b]->lease_id().empty());
  EXPECT_FALSE(leases_->ReturnLease(LeaseOf(a), false));  // already returned
}

TEST_F(RayletLeaseManagerTest, ReturnWithDisconnectKillsWorker) {
  Init({{"CPU", 1}});
  size_t a = Request(1);
  WorkerID wa = workers_.GiveWorker();
  ASSERT_TRUE(leases_->ReturnLease(LeaseOf(a), true));
  EXPECT_TRUE(workers_.pushed.empty());
  ASSERT_EQ(workers_.disconnected.size(), 1u);
  EXPECT_EQ(workers_.disconnected[0], wa);
  EXPECT_EQ(FreeCpu(), 1);
}

TEST_F(RayletLeaseManagerTest, DetachedActorLeasesAreKnownAndReplyCarriesPid) {
  Init({{"CPU", 2}});
  LeaseRequest request;
  request.job_id = JobID::FromInt(1);
  request.resources = ResourceSet::FromMap({{"CPU", 1}});
  request.detached_actor = true;
  std::optional<rpc::RequestWorkerLeaseReply> detached;
  leases_->RequestLease(request, [&](const rpc::RequestWorkerLeaseReply& r) { detached = r; });
  WorkerID wd = workers_.GiveWorker();
  size_t plain = Request(1);
  workers_.GiveWorker();
  ASSERT_TRUE(detached.has_value() && replies_[plain].has_value());
  EXPECT_EQ(detached->worker_pid(), 7700);
  auto spared = leases_->WorkersOfDetachedActors();
  ASSERT_EQ(spared.size(), 1u);
  EXPECT_EQ(*spared.begin(), wd);
  ASSERT_TRUE(leases_->ReturnLease(LeaseID::FromBinary(detached->lease_id()), true));
  EXPECT_TRUE(leases_->WorkersOfDetachedActors().empty());
}

TEST_F(RayletLeaseManagerTest, LaterRequestThatFitsPassesOneThatDoesNot) {
  Init({{"CPU", 2}});
  Request(1);
  size_t big = Request(2);
  size_t small = Request(1);
  EXPECT_EQ(workers_.pops.size(), 2u);
  workers_.GiveWorker();
  workers_.GiveWorker();
  EXPECT_FALSE(replies_[big].has_value());
  EXPECT_TRUE(replies_[small].has_value());
}

TEST_F(RayletLeaseManagerTest, InfeasibleWhenNoNodeCanEverFit) {
  Init({{"CPU", 4}});
  cluster_.UpdateNode(MakeNode(NodeID::FromRandom(), 2, 2, true, 9000));
  cluster_.UpdateNode(MakeNode(NodeID::FromRandom(), 16, 16, /*alive=*/false, 9001));
  size_t r = Request(8);
  ASSERT_TRUE(replies_[r].has_value());
  EXPECT_TRUE(replies_[r]->infeasible());
  EXPECT_NE(replies_[r]->failure_message().find("CPU: requested 8, have 4"), std::string::npos)
      << replies_[r]->failure_message();
  EXPECT_FALSE(replies_[r]->has_retry_at_raylet());
  EXPECT_TRUE(workers_.pops.empty());
  EXPECT_EQ(FreeCpu(), 4);
}

TEST_F(RayletLeaseManagerTest, SpillsBackToAliveNodeWhoseTotalsFit) {
  Init({{"CPU", 4}});
  NodeID big = NodeID::FromRandom();
  cluster_.UpdateNode(MakeNode(big, 16, 0, true, 9002));
  cluster_.UpdateNode(MakeNode(self_, 64, 64, true, 9003));  // never spill to ourselves
  size_t r = Request(8);
  ASSERT_TRUE(replies_[r].has_value());
  EXPECT_FALSE(replies_[r]->infeasible());
  ASSERT_TRUE(replies_[r]->has_retry_at_raylet());
  EXPECT_EQ(replies_[r]->retry_at_raylet().node_id(), big.Binary());
  EXPECT_EQ(replies_[r]->retry_at_raylet().ip(), "10.0.0.2");
  EXPECT_EQ(replies_[r]->retry_at_raylet().port(), 9002);

  // A request already spilled here is not bounced again.
  size_t again = Request(8, "", /*grant_or_reject=*/true);
  EXPECT_TRUE(replies_[again]->infeasible());
  EXPECT_FALSE(replies_[again]->has_retry_at_raylet());
}

TEST_F(RayletLeaseManagerTest, SpillbackPrefersNodeWithFreeResources) {
  Init({{"CPU", 1}});
  NodeID busy = NodeID::FromRandom(), free = NodeID::FromRandom();
  cluster_.UpdateNode(MakeNode(busy, 8, 0, true, 9004));
  cluster_.UpdateNode(MakeNode(free, 8, 8, true, 9005));
  // Each spill counts as taken there until the next snapshot: two fit on `free`.
  for (int i = 0; i < 2; i++) {
    size_t r = Request(4);
    EXPECT_EQ(replies_[r]->retry_at_raylet().node_id(), free.Binary());
  }
  // Once seen dead, a stale "alive" snapshot does not revive the node.
  cluster_.UpdateNode(MakeNode(free, 8, 8, false, 9005));
  cluster_.UpdateNode(MakeNode(free, 8, 8, true, 9005));
  EXPECT_EQ(cluster_.NumAliveNodes(), 1u);
  size_t r = Request(4);
  EXPECT_EQ(replies_[r]->retry_at_raylet().node_id(), busy.Binary());
}

// SPREAD takes turns over every node whose totals fit: a stale view of the others (here,
// what this raylet spilled there, short tasks long done) does not take them out of turn.
TEST_F(RayletLeaseManagerTest, SpreadIgnoresItsOwnSpillReservations) {
  Init({{"CPU", 2}});
  NodeID a = NodeID::FromRandom(), b = NodeID::FromRandom();
  cluster_.UpdateNode(MakeNode(a, 2, 2, true, 9006));
  cluster_.UpdateNode(MakeNode(b, 2, 2, true, 9007));
  // DEFAULT work spilled 2 CPUs to each: by the reservations both are full.
  cluster_.Reserve(a, ResourceSet::FromMap({{"CPU", 2}}));
  cluster_.Reserve(b, ResourceSet::FromMap({{"CPU", 2}}));
  std::map<std::string, int> placed;
  for (int i = 0; i < 9; i++) {
    LeaseRequest request;
    request.job_id = JobID::FromInt(1);
    request.resources = ResourceSet::FromMap({{"CPU", 0.1}});
    request.strategy.set_kind(rpc::SchedulingStrategy::SPREAD);
    leases_->RequestLease(request, [&](const rpc::RequestWorkerLeaseReply& reply) {
      placed[reply.retry_at_raylet().node_id()]++;  // local grants wait for a worker
    });
  }
  EXPECT_EQ(placed[a.Binary()], 3);
  EXPECT_EQ(placed[b.Binary()], 3);
  EXPECT_EQ(leases_->num_pending(), 3u);  // the other three stay here
}

TEST_F(RayletLeaseManagerTest, HardNodeAffinityToADeadNodeIsUnschedulable) {
  Init({{"CPU", 4}});
  NodeID gone = NodeID::FromRandom();
  cluster_.UpdateNode(MakeNode(gone, 8, 8, false, 9006));
  LeaseRequest request;
  request.job_id = JobID::FromInt(1);
  request.resources = ResourceSet::FromMap({{"CPU", 1}});
  request.strategy.set_kind(rpc::SchedulingStrategy::NODE_AFFINITY);
  request.strategy.set_node_id(gone.Binary());
  std::optional<rpc::RequestWorkerLeaseReply> reply;
  leases_->RequestLease(request, [&](const rpc::RequestWorkerLeaseReply& r) { reply = r; });
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->unschedulable());
  EXPECT_NE(reply->failure_message().find("is dead"), std::string::npos);
  // Soft: runs here instead.
  request.strategy.set_soft(true);
  reply.reset();
  leases_->RequestLease(request, [&](const rpc::RequestWorkerLeaseReply& r) { reply = r; });
  EXPECT_FALSE(reply.has_value());  // granted once a worker is given
  EXPECT_EQ(workers_.pops.size(), 1u);
}

TEST_F(RayletLeaseManagerTest, QueuedRequestsMoveToANodeThatFreedUp) {
  Init({{"CPU", 1}});
  NodeID other = NodeID::FromRandom();
  cluster_.UpdateNode(MakeNode(other, 1, 0, true, 9007));
  Request(1);
  workers_.GiveWorker();
  size_t queued = Request(1);
  EXPECT_FALSE(replies_[queued].has_value());
  leases_->SpillQueued();  // nowhere better yet
  EXPECT_FALSE(replies_[queued].has_value());
  cluster_.UpdateNode(MakeNode(other, 1, 1, true, 9007));
  leases_->SpillQueued();
  ASSERT_TRUE(replies_[queued].has_value());
  EXPECT_EQ(replies_[queued]->retry_at_raylet().node_id(), other.Binary());
  EXPECT_EQ(leases_->num_pending(), 0u);
}

TEST_F(RayletLeaseManagerTest, BlockedWorkerLendsItsCpu) {
  Init({{"CPU", 1}, {"custom", 1}});
  LeaseRequest outer;
  outer.job_id = JobID::FromInt(1);
  outer.resources = ResourceSet::FromMap({{"CPU", 1}, {"custom", 1}});
  std::optional<rpc::RequestWorkerLeaseReply> outer_reply;
  leases_->RequestLease(outer, [&](const rpc::RequestWorkerLeaseReply& r) { outer_reply = r; });
  WorkerID parent = workers_.GiveWorker();
  size_t nested = Request(1);
  EXPECT_TRUE(workers_.pops.empty());

  leases_->SetWorkerBlocked(parent, true);
  EXPECT_EQ(workers_.pops.size(), 1u);  // the nested task got the lent CPU
  EXPECT_EQ(leases_->available().Get("custom"), 0);  // only CPU is lent
  leases_->SetWorkerBlocked(parent, true);           // repeated notices change nothing
  workers_.GiveWorker();
  ASSERT_TRUE(replies_[nested].has_value());
  EXPECT_EQ(FreeCpu(), 0);

  leases_->SetWorkerBlocked(parent, false);
  EXPECT_EQ(FreeCpu(), -1);  // over-committed until the nested lease returns
  leases_->ReturnLease(LeaseOf(nested), false);
  EXPECT_EQ(FreeCpu(), 0);
  leases_->ReturnLease(LeaseID::FromBinary(outer_reply->lease_id()), false);
  EXPECT_EQ(leases_->available(), leases_->total());
}

TEST_F(RayletLeaseManagerTest, ReturningBlockedLeaseDoesNotFreeLentCpuTwice) {
  Init({{"CPU", 2}});
  size_t a = Request(1);
  WorkerID wa = workers_.GiveWorker();
  leases_->SetWorkerBlocked(wa, true);
  EXPECT_EQ(FreeCpu(), 2);
  leases_->ReturnLease(LeaseOf(a), false);
  EXPECT_EQ(FreeCpu(), 2);
}

TEST_F(RayletLeaseManagerTest, CancelDropsQueuedRequest) {
  Init({{"CPU", 1}});
  size_t a = Request(1, "task-a");
  workers_.GiveWorker();
  size_t b = Request(1, "task-b");
  EXPECT_FALSE(leases_->CancelLease("task-unknown"));
  EXPECT_FALSE(leases_->CancelLease(""));
  ASSERT_TRUE(leases_->CancelLease("task-b"));
  ASSERT_TRUE(replies_[b].has_value());
  EXPECT_TRUE(replies_[b]->canceled());
  EXPECT_TRUE(replies_[b]->lease_id().empty());
  EXPECT_EQ(leases_->num_pending(), 0u);
  leases_->ReturnLease(LeaseOf(a), false);
  EXPECT_TRUE(workers_.pops.empty());
}

TEST_F(RayletLeaseManagerTest, CancelWhileWorkerStartsKeepsTheWorker) {
  Init({{"CPU", 1}});
  size_t a = Request(1, "task-a");
  ASSERT_TRUE(leases_->CancelLease("task-a"));
  EXPECT_TRUE(replies_[a]->canceled());
  EXPECT_EQ(FreeCpu(), 1);
  WorkerID late = workers_.GiveWorker();
  ASSERT_EQ(workers_.pushed.size(), 1u);
  EXPECT_EQ(workers_.pushed[0], late);
  EXPECT_EQ(leases_->num_leases(), 0u);
}

TEST_F(RayletLeaseManagerTest, FailedWorkerStartFailsLeaseAndFreesResources) {
  Init({{"CPU", 1}});
  size_t a = Request(1);
  size_t b = Request(1);
  workers_.FailPop("worker exited with exit code 1");
  ASSERT_TRUE(replies_[a].has_value());
  EXPECT_EQ(replies_[a]->failure_message(), "worker exited with exit code 1");
  EXPECT_TRUE(replies_[a]->lease_id().empty());
  EXPECT_EQ(workers_.pops.size(), 1u);  // the queued request now gets its chance
  workers_.GiveWorker();
  EXPECT_FALSE(replies_[b]->lease_id().empty());
}

TEST_F(RayletLeaseManagerTest, WorkerDeathEndsLease) {
  Init({{"CPU", 1}});
  Request(1);
  WorkerID wa = workers_.GiveWorker();
  size_t b = Request(1);
  leases_->OnWorkerDied(wa);
  EXPECT_EQ(leases_->num_leases(), 0u);
  EXPECT_EQ(workers_.pops.size(), 1u);
  workers_.GiveWorker();
  EXPECT_TRUE(replies_[b].has_value());
}

TEST_F(RayletLeaseManagerTest, LesseeExitEndsItsLeasesAndKillsTheirWorkers) {
  Init({{"CPU", 3}});
  WorkerID gone = WorkerID::FromRandom(), alive = WorkerID::FromRandom();
  Request(1, "", false, gone);
  WorkerID w1 = workers_.GiveWorker();
  Request(1, "", false, alive);
  workers_.GiveWorker();
  Request(1, "", false, gone);
  WorkerID w3 = workers_.GiveWorker();
  leases_->OnLesseeDied(WorkerID::FromRandom());  // holds nothing here
  EXPECT_EQ(leases_->num_leases(), 3u);
  leases_->OnLesseeDied(gone);
  EXPECT_EQ(leases_->num_leases(), 1u);
  EXPECT_EQ(FreeCpu(), 2);
  ASSERT_EQ(workers_.disconnected.size(), 2u);  // they may still run the dead one's tasks
  EXPECT_EQ(std::set<WorkerID>(workers_.disconnected.begin(), workers_.disconnected.end()),
            (std::set<WorkerID>{w1, w3}));
  EXPECT_TRUE(workers_.pushed.empty());
}

TEST_F(RayletLeaseManagerTest, CancelPendingOfJobAndResourceCallback) {
  Init({{"CPU", 1}});
  int changes = 0;
  leases_->SetResourcesChangedCallback([&] { changes++; });
  size_t a = Request(1);
  EXPECT_EQ(changes, 1);
  size_t b = Request(1);
  leases_->CancelPending(JobID::FromInt(2), "other job");
  EXPECT_FALSE(replies_[a] || replies_[b]);
  leases_->CancelPending(JobID::FromInt(1), "job finished");
  EXPECT_TRUE(replies_[a]->canceled());
  EXPECT_EQ(replies_[b]->failure_message(), "job finished");
  EXPECT_EQ(FreeCpu(), 1);
  EXPECT_EQ(changes, 2);
}

TEST(RayletConfigTest, ParsesFlagsAndResources) {
  auto config = ParseRayletFlags({"--gcs-address", "127.0.0.1:6379", "--num-cpus=3",
                                  "--num-gpus", "1", "--memory", "1000",
                                  "--object-store-memory", "500", "--resources", "ssd=2,tpu=0.5",
                                  "--labels", "zone=a,kind=test", "--worker-env", "A=1,B=x=y",
                                  "--node-id", "000102030405060708090a0b0c0d0e0f"});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->num_cpus, 3);
  EXPECT_EQ(config->labels.at("zone"), "a");
  ASSERT_EQ(config->worker_env.size(), 2u);
  EXPECT_EQ(config->worker_env[1].second, "x=y");
  EXPECT_EQ(config->node_id.Hex(), "000102030405060708090a0b0c0d0e0f");
  ResourceSet total = config->TotalResources();
  EXPECT_EQ(total.Get("CPU"), 3);
  EXPECT_EQ(total.Get("GPU"), 1);
  EXPECT_EQ(total.Get("memory"), 1000);
  EXPECT_EQ(total.Get("object_store_memory"), 500);
  EXPECT_EQ(total.Get("tpu"), 0.5);
  auto no_gpu = ParseRayletFlags({"--gcs-address=h:1"});
  ASSERT_TRUE(no_gpu.ok());
  EXPECT_EQ(no_gpu->TotalResources().GetUnits("GPU"), 0);
}

TEST(RayletConfigTest, ErrorsNameTheFlag) {
  auto message = [](std::vector<std::string> args) {
    auto config = ParseRayletFlags(args);
    return config.ok() ? std::string("ok") : config.status().message();
  };
  EXPECT_NE(message({}).find("--gcs-address"), std::string::npos);
  EXPECT_NE(message({"--gcs-address", "nohost"}).find("--gcs-address"), std::string::npos);
  EXPECT_NE(message({"--gcs-address", "h:1", "--num-cpus", "x"}).find("--num-cpus"),
            std::string::npos);
  EXPECT_NE(message({"--gcs-address", "h:1", "--bogus", "1"}).find("--bogus"), std::string::npos);
  EXPECT_NE(message({"--gcs-address", "h:1", "--port"}).find("--port"), std::string::npos);
  EXPECT_NE(message({"--gcs-address", "h:1", "--resources", "CPU=2"}).find("--resources"),
            std::string::npos);
  EXPECT_NE(message({"--gcs-address", "h:1", "--node-id", "zz"}).find("--node-id"),
            std::string::npos);
}

// The pool with real processes: a shell script stands in for the Python interpreter and
// records the identity the raylet gave it.
constexpr const char* kRecordingWorker =
    "env > \"$COLONY_SESSION_DIR/env.$COLONY_WORKER_ID\"\n"
    "echo \"$COLONY_WORKER_ID\" >> \"$COLONY_SESSION_DIR/started\"\n"
    "echo \"$@\"\n"
    "exec sleep 30";

class RayletWorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/colony_raylet_pool_test_" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0755);
    mkdir((dir_ + "/logs").c_str(), 0755);
  }
  void TearDown() override {
    if (pool_) pool_->KillAll();
    std::system(("rm -rf " + dir_).c_str());
  }
  void MakePool(const std::string& script_body, int max_start_failures = 3) {
    std::string script = dir_ + "/fake_python.sh";
    std::ofstream(script) << "#!/bin/sh\n" << script_body << "\n";
    chmod(script.c_str(), 0755);
    WorkerLaunchOptions launch;
    launch.python_executable = script;
    launch.session_dir = dir_;
    launch.raylet_address = "127.0.0.1:1234";
    launch.gcs_address = "127.0.0.1:5678";
    launch.node_id = node_id_;
    launch.node_ip = "127.0.0.1";
    launch.token = "secret";
    launch.extra_env = {{"EXTRA_VAR", "extra"}};
    launcher_ = std::make_unique<WorkerLauncher>(launch);
    WorkerPoolOptions options;
    options.node_id = node_id_;
    options.node_ip = "127.0.0.1";
    options.num_cpus = 0;
    options.max_starting = 2;
    options.idle_timeout_ms = 0;
    options.max_start_failures = max_start_failures;
    pool_ = std::make_unique<WorkerPool>(options, launcher_.get());
  }
  // Reaps until `done` or a few seconds pass.
  bool ReapUntil(const std::function<bool()>& done) {
    for (int i = 0; i < 250 && !done(); i++) {
      pool_->ReapDeadWorkers();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }
  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Waits for the n-th (1-based) recording worker to start; returns its ID.
  WorkerID WaitForStart(size_t n) {
    std::vector<std::string> ids;
    for (int i = 0; i < 250 && ids.size() < n; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::istringstream lines(ReadFile(dir_ + "/started"));
      ids.clear();
      for (std::string line; std::getline(lines, line);) ids.push_back(line);
    }
    if (ids.size() < n) return WorkerID::Nil();
    std::string bytes(WorkerID::kSize, '\0');
    for (size_t i = 0; i < WorkerID::kSize; i++) {
      bytes[i] = static_cast<char>(std::stoi(ids[n - 1].substr(2 * i, 2), nullptr, 16));
    }
    return WorkerID::FromBinary(bytes);
  }
  Status Register(const WorkerID& id, const JobID& job, int port) {
    rpc::RegisterWorkerRequest request;
    request.set_worker_id(id.Binary());
    request.set_port(port);
    request.set_pid(1);
    request.set_language(rpc::PYTHON);
    request.set_job_id(job.Binary());
    return pool_->RegisterWorker(request);
  }

  std::string dir_;
  NodeID node_id_ = NodeID::FromRandom();
  std::unique_ptr<WorkerLauncher> launcher_;
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(RayletWorkerPoolTest, StartsRegistersReusesAndKillsJobWorkers) {
  MakePool(kRecordingWorker);
  JobID job = JobID::FromInt(42);
  std::optional<StatusOr<LeasedWorker>> popped;
  pool_->PopWorker({rpc::PYTHON, job}, [&](StatusOr<LeasedWorker> w) { popped = std::move(w); });
  ASSERT_EQ(pool_->num_workers(), 1u);
  WorkerID id = WaitForStart(1);
  ASSERT_FALSE(id.IsNil());
  EXPECT_FALSE(popped.has_value());  // not usable before it registers

  std::string env = ReadFile(dir_ + "/env." + id.Hex());
  EXPECT_NE(env.find("COLONY_JOB_ID=" + job.Hex()), std::string::npos);
  EXPECT_NE(env.find("COLONY_WORKER_ID=" + id.Hex()), std::string::npos);
  EXPECT_NE(env.find("COLONY_NODE_ID=" + node_id_.Hex()), std::string::npos);
  EXPECT_NE(env.find("COLONY_RAYLET_ADDRESS=127.0.0.1:1234"), std::string::npos);
  EXPECT_NE(env.find("COLONY_GCS_ADDRESS=127.0.0.1:5678"), std::string::npos);
  EXPECT_NE(env.find("COLONY_NODE_IP=127.0.0.1"), std::string::npos);
  EXPECT_NE(env.find("COLONY_CLUSTER_TOKEN=secret"), std::string::npos);
  EXPECT_NE(env.find("COLONY_SESSION_DIR=" + dir_), std::string::npos);
  EXPECT_NE(env.find("EXTRA_VAR=extra"), std::string::npos);
  EXPECT_NE(env.find("PATH="), std::string::npos);  // inherited
  EXPECT_EQ(ReadFile(launcher_->LogPath(id, "out")), "-m colony._private.worker_main\n");

  EXPECT_EQ(Register(id, JobID::FromInt(7), 4321).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Register(WorkerID::FromRandom(), job, 4321).code(), StatusCode::kNotFound);
  ASSERT_TRUE(Register(id, job, 4321).ok());
  EXPECT_EQ(Register(id, job, 4321).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(popped.has_value() && popped->ok());
  EXPECT_EQ((*popped)->worker_id, id);
  EXPECT_EQ((*popped)->address.port(), 4321);
  EXPECT_EQ((*popped)->address.ip(), "127.0.0.1");
  EXPECT_EQ((*popped)->address.node_id(), node_id_.Binary());
  EXPECT_EQ((*popped)->address.worker_id(), id.Binary());
  EXPECT_EQ(pool_->num_leased(), 1u);

  // Back to idle, then reused for the same job without a new process.
  pool_->PushWorker(id);
  EXPECT_EQ(pool_->num_idle(), 1u);
  std::optional<StatusOr<LeasedWorker>> again;
  pool_->PopWorker({rpc::PYTHON, job}, [&](StatusOr<LeasedWorker> w) { again = std::move(w); });
  ASSERT_TRUE(again.has_value() && again->ok());
  EXPECT_EQ((*again)->worker_id, id);
  EXPECT_EQ(pool_->num_workers(), 1u);

  // The job ends: its leased worker dies and the lease holder hears of it.
  std::vector<WorkerID> deaths;
  pool_->SetLeasedWorkerDeathCallback([&](const WorkerID& w) { deaths.push_back(w); });
  pool_->KillJobWorkers(job);
  ASSERT_EQ(deaths.size(), 1u);
  EXPECT_EQ(deaths[0], id);
  EXPECT_EQ(pool_->num_workers(), 0u);
}

TEST_F(RayletWorkerPoolTest, WorkersOfOneJobAreNotLentToAnother) {
  MakePool(kRecordingWorker);
  JobID job1 = JobID::FromInt(1), job2 = JobID::FromInt(2);
  pool_->PopWorker({rpc::PYTHON, job1}, [](StatusOr<LeasedWorker>) {});
  WorkerID first = WaitForStart(1);
  ASSERT_TRUE(Register(first, job1, 1111).ok());
  pool_->PushWorker(first);
  std::optional<StatusOr<LeasedWorker>> popped;
  pool_->PopWorker({rpc::PYTHON, job2}, [&](StatusOr<LeasedWorker> w) { popped = std::move(w); });
  EXPECT_FALSE(popped.has_value());
  EXPECT_EQ(pool_->num_workers(), 2u);
  WorkerID second = WaitForStart(2);
  ASSERT_TRUE(Register(second, job2, 2222).ok());
  ASSERT_TRUE(popped.has_value() && popped->ok());
  EXPECT_EQ((*popped)->worker_id, second);
}

TEST_F(RayletWorkerPoolTest, DeadLeasedWorkerIsReportedAndIdleOnesTrimmed) {
  MakePool(kRecordingWorker);
  JobID job = JobID::FromInt(3);
  std::vector<WorkerID> deaths;
  pool_->SetLeasedWorkerDeathCallback([&](const WorkerID& w) { deaths.push_back(w); });
  pool_->PopWorker({rpc::PYTHON, job}, [](StatusOr<LeasedWorker>) {});
  pool_->PopWorker({rpc::PYTHON, job}, [](StatusOr<LeasedWorker>) {});
  WorkerID a = WaitForStart(1), b = WaitForStart(2);
  ASSERT_TRUE(Register(a, job, 1111).ok());
  ASSERT_TRUE(Register(b, job, 2222).ok());
  EXPECT_EQ(pool_->num_leased(), 2u);
  std::vector<int32_t> pids = pool_->worker_pids();
  ASSERT_EQ(pids.size(), 2u);

  for (int32_t pid : pids) kill(pid, SIGKILL);  // crash both leased workers
  ASSERT_TRUE(ReapUntil([&] { return deaths.size() == 2; }));
  EXPECT_EQ(pool_->num_workers(), 0u);

  // An idle worker beyond num_cpus (0 here) goes after the idle timeout (0 here).
  pool_->PopWorker({rpc::PYTHON, job}, [](StatusOr<LeasedWorker>) {});
  WorkerID c = WaitForStart(3);
  ASSERT_TRUE(Register(c, job, 3333).ok());
  pool_->PushWorker(c);
  EXPECT_EQ(pool_->num_idle(), 1u);
  pool_->TrimWorkers();
  EXPECT_EQ(pool_->num_workers(), 0u);
  EXPECT_EQ(deaths.size(), 2u);  // idle deaths need no lease cleanup
}

TEST_F(RayletWorkerPoolTest, ExitsOfRegisteredWorkersAreReported) {
  MakePool(kRecordingWorker);
  JobID job = JobID::FromInt(5);
  std::vector<WorkerExit> exits;
  pool_->SetWorkerExitCallback([&](const WorkerExit& e) { exits.push_back(e); });
  std::optional<StatusOr<LeasedWorker>> a_pop, b_pop;
  pool_->PopWorker({rpc::PYTHON, job}, [&](StatusOr<LeasedWorker> w) { a_pop = std::move(w); });
  pool_->PopWorker({rpc::PYTHON, job}, [&](StatusOr<LeasedWorker> w) { b_pop = std::move(w); });
  WorkerID a = WaitForStart(1), b = WaitForStart(2);
  ASSERT_TRUE(Register(a, job, 1111).ok());
  ASSERT_TRUE(Register(b, job, 2222).ok());
  ASSERT_TRUE(a_pop.has_value() && a_pop->ok() && b_pop.has_value() && b_pop->ok());
  ASSERT_EQ((*a_pop)->worker_id, a);
  EXPECT_GT((*a_pop)->pid, 0);

  // A crash: reported with its signal, not intentional.
  kill((*a_pop)->pid, SIGKILL);
  ASSERT_TRUE(ReapUntil([&] { return exits.size() == 1; }));
  EXPECT_EQ(exits[0].worker_id, a);
  EXPECT_EQ(exits[0].pid, (*a_pop)->pid);
  EXPECT_EQ(exits[0].reason, "killed by signal 9 (Killed)");
  EXPECT_FALSE(exits[0].intentional);

  // Killed by the raylet (a lease returned with disconnect): intentional, reported once.
  pool_->DisconnectWorker(b);
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[1].worker_id, b);
  EXPECT_TRUE(exits[1].intentional);
  EXPECT_NE(exits[1].reason.find("killed by the raylet"), std::string::npos) << exits[1].reason;
  for (int i = 0; i < 10; i++) {
    pool_->ReapDeadWorkers();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(exits.size(), 2u);

  // The end of the job spares the workers it is told to (detached actors).
  std::optional<StatusOr<LeasedWorker>> c_pop, d_pop;
  pool_->PopWorker({rpc::PYTHON, job}, [&](StatusOr<LeasedWorker> w) { c_pop = std::move(w); });
  WorkerID c = WaitForStart(3);
  ASSERT_TRUE(Register(c, job, 3333).ok());
  pool_->PopWorker({rpc::PYTHON, job}, [&](StatusOr<LeasedWorker> w) { d_pop = std::move(w); });
  WorkerID d = WaitForStart(4);
  ASSERT_TRUE(Register(d, job, 4444).ok());
  pool_->KillJobWorkers(job, {c});
  EXPECT_EQ(pool_->num_workers(), 1u);
  ASSERT_EQ(exits.size(), 3u);
  EXPECT_EQ(exits[2].worker_id, d);
  EXPECT_TRUE(exits[2].intentional);
  pool_->SetWorkerExitCallback(nullptr);  // `exits` goes before TearDown kills the rest
}

TEST_F(RayletWorkerPoolTest, WorkerExitCodeIsReported) {
  MakePool(
      "echo \"$COLONY_WORKER_ID\" >> \"$COLONY_SESSION_DIR/started\"\n"
      "while [ ! -f \"$COLONY_SESSION_DIR/exit\" ]; do sleep 0.02; done\n"
      "exit 3");
  std::vector<WorkerExit> exits;
  pool_->SetWorkerExitCallback([&](const WorkerExit& e) { exits.push_back(e); });
  JobID job = JobID::FromInt(6);
  pool_->PopWorker({rpc::PYTHON, job}, [](StatusOr<LeasedWorker>) {});
  WorkerID id = WaitForStart(1);
  ASSERT_TRUE(Register(id, job, 1111).ok());
  std::ofstream(dir_ + "/exit") << "now";
  ASSERT_TRUE(ReapUntil([&] { return !exits.empty(); }));
  EXPECT_EQ(exits[0].worker_id, id);
  EXPECT_EQ(exits[0].reason, "exited with code 3");
  EXPECT_FALSE(exits[0].intentional);
  pool_->SetWorkerExitCallback(nullptr);
}

TEST_F(RayletWorkerPoolTest, PopFailsAfterRepeatedStartFailures) {
  MakePool("echo boom >&2; exit 3", /*max_start_failures=*/2);
  std::optional<StatusOr<LeasedWorker>> popped;
  pool_->PopWorker({rpc::PYTHON, JobID::FromInt(1)},
                   [&](StatusOr<LeasedWorker> w) { popped = std::move(w); });
  ASSERT_TRUE(ReapUntil([&] { return popped.has_value(); }));
  ASSERT_FALSE(popped->ok());
  EXPECT_NE(popped->status().message().find("exit code 3"), std::string::npos)
      << popped->status().message();
  const std::string& message = popped->status().message();
  size_t from = message.find("see ") + 4, to = message.find(".err") + 4;
  ASSERT_LT(from, to);
  EXPECT_EQ(ReadFile(message.substr(from, to - from)), "boom\n");
  EXPECT_EQ(pool_->num_workers(), 0u);
}

TEST_F(RayletWorkerPoolTest, StartsKilledFromOutsideDoNotFailThePop) {
  // The first three starts are SIGKILLed (as by chaos or an operator), more than
  // max_start_failures; the pop still gets the fourth worker.
  MakePool("n=$(cat \"$COLONY_SESSION_DIR/started\" 2>/dev/null | wc -l)\n"
           "echo \"$COLONY_WORKER_ID\" >> \"$COLONY_SESSION_DIR/started\"\n"
           "[ \"$n\" -lt 3 ] && kill -9 $$\n"
           "exec sleep 30",
           /*max_start_failures=*/2);
  std::optional<StatusOr<LeasedWorker>> popped;
  pool_->PopWorker({rpc::PYTHON, JobID::FromInt(1)},
                   [&](StatusOr<LeasedWorker> w) { popped = std::move(w); });
  auto starts = [&] {
    std::istringstream lines(ReadFile(dir_ + "/started"));
    int n = 0;
    for (std::string line; std::getline(lines, line);) n++;
    return n;
  };
  ASSERT_TRUE(ReapUntil([&] { return starts() >= 4 || popped.has_value(); }));
  ASSERT_FALSE(popped.has_value()) << popped->status().ToString();
  WorkerID fourth = WaitForStart(4);
  ASSERT_TRUE(Register(fourth, JobID::FromInt(1), 4321).ok());
  ASSERT_TRUE(ReapUntil([&] { return popped.has_value(); }));
  ASSERT_TRUE(popped->ok()) << popped->status().ToString();
  EXPECT_EQ((*popped)->worker_id, fourth);
}

TEST_F(RayletWorkerPoolTest, MissingExecutableFailsAtOnce) {
  WorkerLaunchOptions launch;
  launch.python_executable = "/nonexistent/python";
  launch.session_dir = dir_;
  WorkerLauncher missing(launch);
  WorkerPool pool(WorkerPoolOptions(), &missing);
  std::optional<StatusOr<LeasedWorker>> popped;
  pool.PopWorker({rpc::PYTHON, JobID::FromInt(1)},
                 [&](StatusOr<LeasedWorker> w) { popped = std::move(w); });
  ASSERT_TRUE(popped.has_value());
  EXPECT_NE(popped->status().message().find("/nonexistent/python"), std::string::npos);
  EXPECT_EQ(pool.num_workers(), 0u);
}

// A core worker that holds WatchWorker calls open until the test lets it "exit".
class WatchedWorker : public rpc::CoreWorkerService::CallbackService {
 public:
  grpc::ServerUnaryReactor* WatchWorker(grpc::CallbackServerContext* ctx,
                                        const rpc::WatchWorkerRequest*,
                                        rpc::WatchWorkerReply*) override {
    std::lock_guard<std::mutex> lock(mu);
    open.push_back(ctx->DefaultReactor());
    return open.back();
  }
  void Exit() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto* reactor : open) reactor->Finish(grpc::Status::OK);
    open.clear();
  }
  size_t num_open() {
    std::lock_guard<std::mutex> lock(mu);
    return open.size();
  }
  std::mutex mu;
  std::vector<grpc::ServerUnaryReactor*> open;
};

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST(RayletWorkerWatcherTest, ListenerHearsOfEachExitOnce) {
  WatchedWorker worker;
  rpc::GrpcServer server("watched-worker", "127.0.0.1", 0);
  server.RegisterService(&worker);
  ASSERT_TRUE(server.Start().ok());
  rpc::Address address;
  address.set_ip("127.0.0.1");
  address.set_port(server.port());
  WorkerID worker_id = WorkerID::FromRandom();
  address.set_worker_id(worker_id.Binary());

  WorkerWatcher watcher("");
  std::mutex mu;
  std::vector<WorkerID> exits;
  watcher.SetExitListener([&](const WorkerID& id) {
    std::lock_guard<std::mutex> lock(mu);
    exits.push_back(id);
  });
  auto num_exits = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return exits.size();
  };
  watcher.Watch(address);
  watcher.Watch(address);  // already watched: no second call
  ASSERT_TRUE(WaitFor([&] { return worker.num_open() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(worker.num_open(), 1u);
  EXPECT_EQ(num_exits(), 0u);
  worker.Exit();
  ASSERT_TRUE(WaitFor([&] { return num_exits() == 1; }));
  EXPECT_EQ(exits[0], worker_id);

  // A worker whose process is gone (nothing listens on its port) counts as exited.
  rpc::Address gone = address;
  WorkerID gone_id = WorkerID::FromRandom();
  gone.set_worker_id(gone_id.Binary());
  server.Shutdown();
  watcher.Watch(gone);
  ASSERT_TRUE(WaitFor([&] { return num_exits() == 2; }));
  EXPECT_EQ(exits[1], gone_id);

  watcher.Stop();
  watcher.Watch(address);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(num_exits(), 2u);
}

// Drivers are not the raylet's children: their exit is found by probing the pid.
TEST(RayletNodeManagerTest, DriverExitIsReported) {
  NodeID self = NodeID::FromRandom();
  ClusterView cluster(self);
  WorkerLauncher launcher{WorkerLaunchOptions()};
  WorkerPool pool(WorkerPoolOptions(), &launcher);
  LeaseManager leases(self, ResourceSet::FromMap({{"CPU", 1}}), &cluster, &pool);
  WorkerWatcher watcher("");
  NodeManager manager(NodeID::FromRandom(), &leases, &pool, &watcher);
  std::vector<WorkerExit> exits;
  manager.SetDriverExitCallback([&](const WorkerExit& e) { exits.push_back(e); });

  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(child, 0);
  WorkerID driver_id = WorkerID::FromRandom();
  rpc::RegisterWorkerRequest request;
  request.set_worker_id(driver_id.Binary());
  request.set_pid(child);
  request.set_is_driver(true);
  request.set_job_id(JobID::FromInt(1).Binary());
  rpc::RegisterWorkerReply reply;
  Status status = Status::Internal("not answered");
  manager.HandleRegisterWorker(request, &reply, [&](Status s) { status = s; });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(manager.num_drivers(), 1u);
  manager.CheckDrivers();
  EXPECT_TRUE(exits.empty());

  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  manager.CheckDrivers();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].worker_id, driver_id);
  EXPECT_EQ(exits[0].pid, child);
  EXPECT_EQ(exits[0].reason, "the driver process exited");
  EXPECT_FALSE(exits[0].intentional);
  EXPECT_EQ(manager.num_drivers(), 0u);
}

// What the node's metrics agent reads (docs/observability.md): drivers, leases, the store.
TEST(RayletNodeManagerTest, NodeStatsCountDriversLeasesAndTheStore) {
  NodeID self = NodeID::FromRandom();
  ClusterView cluster(self);
  WorkerLauncher launcher{WorkerLaunchOptions()};
  WorkerPool pool(WorkerPoolOptions(), &launcher);
  LeaseManager leases(self, ResourceSet::FromMap({{"CPU", 2}}), &cluster, &pool);
  WorkerWatcher watcher("");
  NodeManager manager(self, &leases, &pool, &watcher);
  manager.SetStoreStatsSource([](rpc::ObjectStoreStats* out) {
    out->set_capacity_bytes(1000);
    out->set_used_bytes(250);
    out->set_total_spilled(7);
  });
  rpc::RegisterWorkerRequest driver;
  driver.set_worker_id(WorkerID::FromRandom().Binary());
  driver.set_pid(getpid());
  driver.set_is_driver(true);
  driver.set_job_id(JobID::FromInt(1).Binary());
  rpc::RegisterWorkerReply registered;
  manager.HandleRegisterWorker(driver, &registered, [](Status) {});

  rpc::GetNodeStatsReply reply;
  Status status = Status::Internal("not answered");
  manager.HandleGetNodeStats(rpc::GetNodeStatsRequest(), &reply, [&](Status s) { status = s; });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(reply.node_id(), self.Binary());
  EXPECT_EQ(reply.num_drivers(), 1);
  EXPECT_EQ(reply.num_queued_leases(), 0);
  EXPECT_EQ(reply.num_granted_leases(), 0);
  EXPECT_EQ(reply.resources_total().at("CPU"), 2);
  EXPECT_EQ(reply.object_store().capacity_bytes(), 1000u);
  EXPECT_EQ(reply.object_store().used_bytes(), 250u);
  EXPECT_EQ(reply.object_store().total_spilled(), 7u);
}

}  // namespace
}  // namespace colony::raylet
