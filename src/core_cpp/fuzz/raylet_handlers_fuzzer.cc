// The raylet's lease and worker handlers (raylet/node_manager.* over the lease manager
// and worker pool), driven in-process as tests/raylet_test.cc builds them: the input is a
// sequence of operations, each one RPC (a byte picks the method, the next u16-prefixed
// chunk is parsed as its request: negative, NaN or huge resources, unknown ids, long
// lists all reach the handler), a worker handed to the oldest waiting lease (or a failed
// start), a worker death, or a node change in the cluster view (as the GCS feed brings).
// No process is started (the pool may start none) and no connection is made (the watcher
// is stopped). Checked: no crash or sanitizer report, every call answered exactly once
// by Stop(), and the node's available resources never above its total.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "raylet.pb.h"
#include "raylet/node_manager.h"
#include "raylet/scheduling/cluster_view.h"
#include "raylet/scheduling/lease_manager.h"
#include "raylet/worker_launcher.h"
#include "raylet/worker_pool.h"
#include "raylet/worker_watcher.h"

namespace colony::fuzz {
namespace {

using namespace colony::raylet;

class Workers : public WorkerSource {
 public:
  void PopWorker(const WorkerRequest&, PopWorkerCallback callback) override {
    pops.push_back(std::move(callback));
  }
  void PushWorker(const WorkerID& id) override { idle.push_back(id); }
  void DisconnectWorker(const WorkerID&) override {}
  std::deque<PopWorkerCallback> pops;
  std::vector<WorkerID> idle;
  std::vector<WorkerID> given;
};

enum Op : uint8_t {
  kRequestWorkerLease, kReturnWorker, kRegisterWorker, kNotifyWorkerBlocked,
  kCancelWorkerLease, kJobFinished, kGetNodeStats, kGiveWorker, kFailPop, kWorkerDied,
  kLesseeDied, kUpdateNode, kSpillQueued, kNumOps
};

WorkerID SmallId(uint8_t n) {
  std::string bytes(WorkerID::kSize, static_cast<char>('w' + (n & 3)));
  return WorkerID::FromBinary(bytes);
}

struct Raylet {
  NodeID self = NodeID::FromBinary(std::string(NodeID::kSize, 's'));
  ClusterView cluster{self};
  Workers workers;
  WorkerLauncher launcher{WorkerLaunchOptions()};
  WorkerPool pool{[] {
                    WorkerPoolOptions options;
                    options.max_starting = 0;  // never forks
                    return options;
                  }(),
                  &launcher};
  LeaseManager leases{self, ResourceSet::FromMap({{"CPU", 4}, {"GPU", 1}, {"memory", 1e9}}),
                      &cluster, &workers};
  WorkerWatcher watcher{""};
  NodeManager manager{self, &leases, &pool, &watcher};
  std::vector<std::shared_ptr<google::protobuf::Message>> keep;
  std::vector<std::shared_ptr<int>> answers;

  Raylet() { watcher.Stop(); }

  template <typename Request, typename Reply, typename Handler>
  void Call(std::string_view bytes, Handler handle) {
    auto request = std::make_shared<Request>();
    if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
    auto reply = std::make_shared<Reply>();
    auto answered = std::make_shared<int>(0);
    keep.push_back(request);
    keep.push_back(reply);
    answers.push_back(answered);
    handle(*request, reply.get(), [answered](Status) {
      if (++*answered > 1) abort();
    });
  }

  void CheckResources() {
    for (const auto& [name, amount] : leases.available().ToMap()) {
      if (amount > leases.total().Get(name)) abort();  // freed more than was taken
    }
  }

  void Run(Input& in) {
    int ops = 0;
    while (!in.empty() && ops++ < 200) {
      switch (in.U8() % kNumOps) {
#define RAYLET_RPC(NAME)                                                                      \
  case k##NAME:                                                                               \
    Call<rpc::NAME##Request, rpc::NAME##Reply>(in.Chunk(), [this](auto& q, auto* r, auto s) { \
      manager.Handle##NAME(q, r, std::move(s));                                               \
    });                                                                                       \
    break;
        RAYLET_RPC(RequestWorkerLease)
        RAYLET_RPC(ReturnWorker)
        RAYLET_RPC(RegisterWorker)
        RAYLET_RPC(NotifyWorkerBlocked)
        RAYLET_RPC(CancelWorkerLease)
        RAYLET_RPC(JobFinished)
        RAYLET_RPC(GetNodeStats)
#undef RAYLET_RPC
        case kGiveWorker: {
          WorkerID id = SmallId(in.U8());
          if (workers.pops.empty()) break;
          auto pop = std::move(workers.pops.front());
          workers.pops.pop_front();
          LeasedWorker worker{id, {}, 77};
          worker.address.set_worker_id(id.Binary());
          worker.address.set_ip("127.0.0.1");
          worker.address.set_port(7000);
          pop(worker);
          break;
        }
        case kFailPop: {
          if (workers.pops.empty()) break;
          auto pop = std::move(workers.pops.front());
          workers.pops.pop_front();
          pop(Status::Unavailable("worker failed to start"));
          break;
        }
        case kWorkerDied:
          leases.OnWorkerDied(SmallId(in.U8()));
          break;
        case kLesseeDied:
          leases.OnLesseeDied(SmallId(in.U8()));
          break;
        case kUpdateNode: {
          rpc::NodeInfo node;
          std::string_view bytes = in.Chunk();
          if (node.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) cluster.UpdateNode(node);
          break;
        }
        case kSpillQueued:
          leases.SpillQueued();
          break;
      }
      CheckResources();
    }
    manager.Stop();  // answers every waiting lease request
    while (!workers.pops.empty()) {  // pops in flight end too
      auto pop = std::move(workers.pops.front());
      workers.pops.pop_front();
      pop(Status::Unavailable("raylet is shutting down"));
    }
    for (const auto& answered : answers) {
      if (*answered != 1) abort();  // a call never answered: the server could not drain
    }
  }
};

void WriteSeeds(const std::string& dir) {
  auto op = [](uint8_t op, const google::protobuf::Message& m) {
    std::string bytes = m.SerializeAsString();
    std::string out(1, static_cast<char>(op));
    uint16_t n = static_cast<uint16_t>(bytes.size());
    out.append(reinterpret_cast<const char*>(&n), 2);
    return out + bytes;
  };
  rpc::RequestWorkerLeaseRequest lease;
  lease.set_job_id(JobID::FromInt(1).Binary());
  (*lease.mutable_resources())["CPU"] = 1;
  lease.set_task_id("t1");
  lease.mutable_lessee()->set_worker_id(SmallId(1).Binary());
  std::string give = {static_cast<char>(kGiveWorker), 0};
  rpc::NotifyWorkerBlockedRequest blocked;
  blocked.set_worker_id(SmallId(0).Binary());
  blocked.set_blocked(true);
  rpc::JobFinishedRequest finished;
  finished.set_job_id(JobID::FromInt(1).Binary());
  rpc::NodeInfo other;
  other.set_node_id(NodeID::FromRandom().Binary());
  other.set_alive(true);
  other.set_ip("10.0.0.2");
  other.set_raylet_port(1000);
  (*other.mutable_resources_total())["CPU"] = 8;
  (*other.mutable_resources_available())["CPU"] = 8;
  rpc::RequestWorkerLeaseRequest big = lease;
  (*big.mutable_resources())["CPU"] = 6;
  rpc::CancelWorkerLeaseRequest cancel;
  cancel.set_task_id("t1");
  std::vector<std::string> seeds = {
      op(kRequestWorkerLease, lease) + give + op(kNotifyWorkerBlocked, blocked) +
          op(kGetNodeStats, rpc::GetNodeStatsRequest()) + op(kJobFinished, finished),
      op(kUpdateNode, other) + op(kRequestWorkerLease, big) + op(kRequestWorkerLease, lease) +
          op(kCancelWorkerLease, cancel) + std::string(1, kSpillQueued),
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
  colony::fuzz::Raylet raylet;
  raylet.Run(in);
  return 0;
}
