// The GCS's gRPC handlers (gcs/*), driven in-process the way GcsServer wires them (as in
// tests/gcs_actor_test.cc): the input is a sequence of operations, each either one RPC
// (a byte picks the method, the next u16-prefixed chunk is parsed as its request, so
// missing fields, unknown ids, negative or NaN resources and huge values reach the
// handler as a gRPC server would hand them over) or an answer to an outstanding lease or
// creation push (as the raylets and workers would send), or the clock moving on.
// Checked: no crash or sanitizer report, every call is answered exactly once by shutdown.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "fuzz/fuzz_util.h"
#include "gcs.pb.h"
#include "gcs/gcs_actor_manager.h"
#include "gcs/gcs_actor_scheduler.h"
#include "gcs/gcs_health_checker.h"
#include "gcs/gcs_job_manager.h"
#include "gcs/gcs_kv_manager.h"
#include "gcs/gcs_node_change_publisher.h"
#include "gcs/gcs_node_manager.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"

namespace colony::fuzz {
namespace {

using namespace colony::gcs;

class Leases : public ActorLeaseClient {
 public:
  void RequestWorkerLease(const rpc::Address&, const rpc::RequestWorkerLeaseRequest&,
                          LeaseCallback callback) override {
    pending.push_back(std::move(callback));
  }
  void ReturnWorker(const rpc::Address&, const std::string&, bool) override {}
  std::deque<LeaseCallback> pending;
};

class Pusher : public ActorTaskPusher {
 public:
  void PushTask(const rpc::Address&, const rpc::PushTaskRequest&, PushCallback callback) override {
    pending.push_back(std::move(callback));
  }
  void RequestGracefulExit(const rpc::Address&) override {}
  std::deque<PushCallback> pending;
};

enum Op : uint8_t {
  kRegisterNode, kUnregisterNode, kGetAllNodeInfo, kReportResources, kPollNodeChanges,
  kAddJob, kMarkJobFinished, kGetAllJobInfo, kKvPut, kKvGet, kKvDel, kKvKeys,
  kRegisterActor, kGetActorInfo, kPollActorState, kKillActor, kListNamedActors,
  kReportWorkerFailure, kAnswerLease, kAnswerPush, kAdvanceTime, kNumOps
};

struct Gcs {
  EventLoop loop;  // first: destroyed last
  InMemoryStoreClient store;
  GcsTableStorage storage{&store};
  GcsNodeChangePublisher node_changes{&loop, 1000};
  GcsNodeManager nodes{&storage};
  GcsHealthChecker health{&loop, 5000, [this](const NodeID& id) {
                            (void)nodes.MarkNodeDead(id, "health check timed out");
                          }};
  GcsJobManager jobs{&storage};
  GcsKvManager kv{&store};
  Leases leases;
  Pusher pusher;
  GcsActorScheduler scheduler{&loop, [this] { return nodes.GetAllNodes(); }, &leases, &pusher};
  GcsActorManager actors{&loop, &storage, &scheduler};
  std::vector<std::shared_ptr<google::protobuf::Message>> keep;  // requests and replies of calls
  std::vector<std::shared_ptr<int>> answers;                     // times each call was answered

  Gcs() {
    loop.FreezeTime();
    // As GcsServer::WireManagers.
    nodes.AddNodeChangeListener([this](const rpc::NodeInfo& node) {
      NodeID node_id = NodeID::FromBinary(node.node_id());
      if (node.alive()) {
        health.ReportAlive(node_id);
      } else {
        health.Remove(node_id);
      }
      node_changes.Publish(node);
      if (node.alive()) {
        scheduler.OnNodeAdded();
      } else {
        actors.OnNodeDead(node_id, node.death_reason());
      }
    });
    nodes.AddHeartbeatListener([this](const NodeID& node_id) {
      health.ReportAlive(node_id);
      scheduler.OnResourcesReported(node_id);
    });
    jobs.AddJobFinishedListener([this](const JobID& job_id) { actors.OnJobFinished(job_id); });
    GcsInitData empty;
    if (!nodes.Initialize(empty).ok() || !jobs.Initialize(empty).ok() ||
        !actors.Initialize(empty).ok()) {
      abort();
    }
    health.Start();
    scheduler.Start();
  }

  template <typename Request, typename Reply, typename Handler>
  void Call(std::string_view bytes, Handler handle) {
    auto request = std::make_shared<Request>();
    // gRPC refuses what does not parse; everything that does reaches the handler.
    if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
    auto reply = std::make_shared<Reply>();
    auto answered = std::make_shared<int>(0);
    keep.push_back(request);
    keep.push_back(reply);
    answers.push_back(answered);
    handle(*request, reply.get(), [answered](Status) {
      if (++*answered > 1) abort();  // answered twice: a use-after-free in gRPC
    });
  }

  void Run(Input& in) {
    int ops = 0;
    while (!in.empty() && ops++ < 200) {
      uint8_t op = in.U8() % kNumOps;
      switch (op) {
#define GCS_RPC(NAME, OWNER)                                                                  \
  case k##NAME:                                                                               \
    Call<rpc::NAME##Request, rpc::NAME##Reply>(in.Chunk(), [this](auto& q, auto* r, auto s) { \
      (OWNER).Handle##NAME(q, r, std::move(s));                                               \
    });                                                                                       \
    break;
        GCS_RPC(RegisterNode, nodes)
        GCS_RPC(UnregisterNode, nodes)
        GCS_RPC(GetAllNodeInfo, nodes)
        GCS_RPC(ReportResources, nodes)
        GCS_RPC(PollNodeChanges, node_changes)
        GCS_RPC(AddJob, jobs)
        GCS_RPC(MarkJobFinished, jobs)
        GCS_RPC(GetAllJobInfo, jobs)
        GCS_RPC(KvPut, kv)
        GCS_RPC(KvGet, kv)
        GCS_RPC(KvDel, kv)
        GCS_RPC(KvKeys, kv)
        GCS_RPC(RegisterActor, actors)
        GCS_RPC(GetActorInfo, actors)
        GCS_RPC(PollActorState, actors)
        GCS_RPC(KillActor, actors)
        GCS_RPC(ListNamedActors, actors)
        GCS_RPC(ReportWorkerFailure, actors)
#undef GCS_RPC
        case kAnswerLease: {
          uint8_t how = in.U8();
          rpc::RequestWorkerLeaseReply reply;
          std::string_view bytes = in.Chunk();
          bool parsed = reply.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
          if (leases.pending.empty() || !parsed) break;
          auto callback = std::move(leases.pending.front());
          leases.pending.pop_front();
          callback(how & 1 ? Status::OK() : Status::Unavailable("raylet gone"), reply);
          break;
        }
        case kAnswerPush: {
          uint8_t how = in.U8();
          rpc::PushTaskReply reply;
          std::string_view bytes = in.Chunk();
          bool parsed = reply.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
          if (pusher.pending.empty() || !parsed) break;
          auto callback = std::move(pusher.pending.front());
          pusher.pending.pop_front();
          callback(how & 1 ? Status::OK() : Status::Unavailable("worker gone"), reply);
          break;
        }
        case kAdvanceTime:
          loop.AdvanceTime(in.U16());
          break;
      }
      loop.RunPending();
    }
    // As GcsServer::Stop: held polls are answered so the server can drain.
    node_changes.Shutdown();
    actors.Shutdown();
    loop.RunPending();
    for (const auto& answered : answers) {
      if (*answered != 1) abort();  // a call never answered: the server could not drain
    }
  }
};

// Writes a few well-formed inputs (COLONY_FUZZ_WRITE_SEEDS=<folder>) to start the corpus from.
void WriteSeeds(const std::string& dir) {
  auto op = [](uint8_t op, const google::protobuf::Message& m) {
    std::string bytes = m.SerializeAsString();
    std::string out(1, static_cast<char>(op));
    uint16_t n = static_cast<uint16_t>(bytes.size());
    out.append(reinterpret_cast<const char*>(&n), 2);
    return out + bytes;
  };
  NodeID node_id = NodeID::FromRandom();
  rpc::RegisterNodeRequest node;
  node.mutable_node()->set_node_id(node_id.Binary());
  node.mutable_node()->set_ip("127.0.0.1");
  node.mutable_node()->set_raylet_port(1234);
  node.mutable_node()->set_alive(true);
  (*node.mutable_node()->mutable_resources_total())["CPU"] = 4;
  (*node.mutable_node()->mutable_resources_available())["CPU"] = 4;
  rpc::AddJobRequest job;
  job.mutable_job()->set_job_id(JobID::FromInt(1).Binary());
  job.mutable_job()->set_namespace_("ns");
  rpc::RegisterActorRequest actor;
  ActorID actor_id = ActorID::FromRandom();
  rpc::TaskSpec* task = actor.mutable_creation_task();
  task->set_type(rpc::ACTOR_CREATION_TASK);
  task->set_task_id(TaskID::FromRandom().Binary());
  task->set_job_id(JobID::FromInt(1).Binary());
  task->set_actor_id(actor_id.Binary());
  (*task->mutable_resources())["CPU"] = 1;
  task->mutable_caller_address()->set_worker_id(WorkerID::FromRandom().Binary());
  task->mutable_actor_creation()->set_actor_id(actor_id.Binary());
  task->mutable_actor_creation()->set_name("a");
  task->mutable_actor_creation()->set_namespace_("ns");
  task->mutable_actor_creation()->set_max_restarts(1);
  rpc::RequestWorkerLeaseReply lease;
  lease.set_lease_id(LeaseID::FromRandom().Binary());
  lease.mutable_worker_address()->set_worker_id(WorkerID::FromRandom().Binary());
  lease.mutable_worker_address()->set_node_id(node_id.Binary());
  lease.mutable_worker_address()->set_ip("127.0.0.1");
  lease.mutable_worker_address()->set_port(5000);
  std::string answer_lease = op(kAnswerLease, lease);
  answer_lease.insert(1, 1, '\1');  // how: OK
  rpc::PushTaskReply pushed;
  std::string answer_push = op(kAnswerPush, pushed);
  answer_push.insert(1, 1, '\1');
  rpc::KillActorRequest kill;
  kill.set_actor_id(actor_id.Binary());
  rpc::ReportResourcesRequest report;
  report.set_node_id(node_id.Binary());
  (*report.mutable_resources_available())["CPU"] = -3;
  rpc::KvPutRequest put;
  put.set_ns("n");
  put.set_key("k");
  put.set_value("v");
  rpc::PollActorStateRequest poll;
  poll.set_actor_id(actor_id.Binary());
  std::vector<std::string> seeds = {
      op(kRegisterNode, node) + op(kAddJob, job) + op(kRegisterActor, actor) + answer_lease +
          answer_push + op(kPollActorState, poll) + op(kKillActor, kill),
      op(kRegisterNode, node) + op(kReportResources, report) + op(kPollNodeChanges, rpc::PollNodeChangesRequest()),
      op(kKvPut, put) + op(kKvKeys, rpc::KvKeysRequest()) + op(kKvDel, rpc::KvDelRequest()),
  };
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream(dir + "/seed-" + std::to_string(i), std::ios::binary) << seeds[i];
  }
}

}  // namespace
}  // namespace colony::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  colony::fuzz::QuietLogs();
  if (const char* dir = getenv("COLONY_FUZZ_WRITE_SEEDS")) {
    colony::fuzz::WriteSeeds(dir);
    exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  colony::fuzz::Input in(data, size);
  colony::fuzz::Gcs gcs;
  gcs.Run(in);
  return 0;
}
