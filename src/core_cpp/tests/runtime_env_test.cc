// Runtime envs in the raylet: the worker pool asks its RuntimeEnvProvider once per env,
// starts workers with what it answers, never lends a worker to another env, and does not
// keep a failed env. A fake provider stands in for the node's agent; the workers are
// shell scripts that record their environment and folder.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/event_loop.h"
#include "raylet/runtime_env_agent_client.h"
#include "raylet/worker_pool.h"

namespace colony::raylet {
namespace {

constexpr const char* kRecordingWorker =
    "env > \"$COLONY_SESSION_DIR/env.$COLONY_WORKER_ID\"\n"
    "pwd > \"$COLONY_SESSION_DIR/cwd.$COLONY_WORKER_ID\"\n"
    "echo \"$0\" > \"$COLONY_SESSION_DIR/exe.$COLONY_WORKER_ID\"\n"
    "echo \"$COLONY_WORKER_ID\" >> \"$COLONY_SESSION_DIR/started\"\n"
    "exec sleep 30";

class FakeProvider : public RuntimeEnvProvider {
 public:
  void GetOrCreate(const JobID&, const std::string& hash, const std::string& json,
                   Callback done) override {
    asked.push_back(hash + " " + json);
    pending.push_back(std::move(done));
  }
  void Answer(StatusOr<rpc::RuntimeEnvContext> answer) {
    Callback done = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(answer));
  }
  std::vector<std::string> asked;
  std::vector<Callback> pending;
};

class RuntimeEnvPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/colony_runtime_env_test_" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0755);
    mkdir((dir_ + "/logs").c_str(), 0755);
    mkdir((dir_ + "/envdir").c_str(), 0755);
    for (const char* name : {"/fake_python.sh", "/default_python.sh"}) {
      std::string script = dir_ + name;
      std::ofstream(script) << "#!/bin/sh\n" << kRecordingWorker << "\n";
      chmod(script.c_str(), 0755);
    }
    WorkerLaunchOptions launch;
    launch.python_executable = dir_ + "/default_python.sh";  // workers in no env
    launch.session_dir = dir_;
    launch.node_id = node_id_;
    launch.node_ip = "127.0.0.1";
    launcher_ = std::make_unique<WorkerLauncher>(launch);
    WorkerPoolOptions options;
    options.node_id = node_id_;
    options.node_ip = "127.0.0.1";
    options.num_cpus = 0;
    options.max_starting = 4;
    pool_ = std::make_unique<WorkerPool>(options, launcher_.get());
    pool_->SetRuntimeEnvProvider(&provider_);
  }
  void TearDown() override {
    pool_->KillAll();
    std::system(("rm -rf " + dir_).c_str());
  }
  rpc::RuntimeEnvContext Context() {
    rpc::RuntimeEnvContext context;
    (*context.mutable_env_vars())["RT_VAR"] = "from-env";
    context.set_cwd(dir_ + "/envdir");
    context.set_python_executable(dir_ + "/fake_python.sh");
    context.add_python_path("/opt/modules");
    return context;
  }
  WorkerRequest Request(const std::string& hash) {
    WorkerRequest request{rpc::PYTHON, job_};
    request.runtime_env_hash = hash;
    request.runtime_env_json = hash.empty() ? "" : "{\"env_vars\":{\"RT_VAR\":\"from-env\"}}";
    return request;
  }
  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::vector<std::string> Started(size_t n) {
    std::vector<std::string> ids;
    for (int i = 0; i < 250 && ids.size() < n; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::istringstream lines(ReadFile(dir_ + "/started"));
      ids.clear();
      for (std::string line; std::getline(lines, line);) ids.push_back(line);
    }
    return ids;
  }
  static WorkerID FromHex(const std::string& hex) {
    std::string bytes(WorkerID::kSize, '\0');
    for (size_t i = 0; i < WorkerID::kSize; i++) {
      bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    return WorkerID::FromBinary(bytes);
  }
  Status Register(const WorkerID& id, int port) {
    rpc::RegisterWorkerRequest request;
    request.set_worker_id(id.Binary());
    request.set_port(port);
    request.set_language(rpc::PYTHON);
    request.set_job_id(job_.Binary());
    return pool_->RegisterWorker(request);
  }

  std::string dir_;
  NodeID node_id_ = NodeID::FromRandom();
  JobID job_ = JobID::FromInt(5);
  FakeProvider provider_;
  std::unique_ptr<WorkerLauncher> launcher_;
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(RuntimeEnvPoolTest, AnEnvIsBuiltOnceAndAppliedToItsWorkers) {
  std::vector<StatusOr<LeasedWorker>> popped;
  auto keep = [&](StatusOr<LeasedWorker> w) { popped.push_back(std::move(w)); };
  pool_->PopWorker(Request("h1"), keep);
  pool_->PopWorker(Request("h1"), keep);
  ASSERT_EQ(provider_.asked.size(), 1u);  // one build for both pops
  EXPECT_EQ(provider_.asked[0], "h1 {\"env_vars\":{\"RT_VAR\":\"from-env\"}}");
  EXPECT_EQ(pool_->num_workers(), 0u);  // nothing starts before the env is there
  provider_.Answer(Context());
  std::vector<std::string> ids = Started(2);
  ASSERT_EQ(ids.size(), 2u);
  std::string env = ReadFile(dir_ + "/env." + ids[0]);
  EXPECT_NE(env.find("RT_VAR=from-env"), std::string::npos);
  EXPECT_NE(env.find("PYTHONPATH=/opt/modules"), std::string::npos);
  EXPECT_NE(env.find("COLONY_RUNTIME_ENV_HASH=h1"), std::string::npos);
  EXPECT_NE(env.find("COLONY_RUNTIME_ENV_JSON={\"env_vars\""), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/cwd." + ids[0]), dir_ + "/envdir\n");
  EXPECT_EQ(ReadFile(dir_ + "/exe." + ids[0]), dir_ + "/fake_python.sh\n");  // the env's python

  // A registered worker of h1, back idle, is not lent to a pop of another env or of none.
  WorkerID first = FromHex(ids[0]);
  ASSERT_TRUE(Register(first, 1111).ok());
  ASSERT_TRUE(Register(FromHex(ids[1]), 2222).ok());
  ASSERT_EQ(popped.size(), 2u);  // both pops served
  pool_->PushWorker(first);
  EXPECT_EQ(pool_->num_idle(), 1u);
  std::optional<StatusOr<LeasedWorker>> plain;
  pool_->PopWorker(Request(""), [&](StatusOr<LeasedWorker> w) { plain = std::move(w); });
  EXPECT_FALSE(plain.has_value());  // a new worker starts for it
  EXPECT_EQ(provider_.asked.size(), 1u);  // no env: the provider is not asked
  ids = Started(3);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ReadFile(dir_ + "/exe." + ids[2]), dir_ + "/default_python.sh\n");
  EXPECT_EQ(ReadFile(dir_ + "/env." + ids[2]).find("RT_VAR="), std::string::npos);
  // The same env reuses it, without asking the provider again.
  std::optional<StatusOr<LeasedWorker>> again;
  pool_->PopWorker(Request("h1"), [&](StatusOr<LeasedWorker> w) { again = std::move(w); });
  ASSERT_TRUE(again.has_value() && again->ok());
  EXPECT_EQ((*again)->worker_id, first);
  EXPECT_EQ(provider_.asked.size(), 1u);
}

TEST_F(RuntimeEnvPoolTest, AFailedEnvFailsItsPopsAndIsAskedForAgain) {
  std::vector<StatusOr<LeasedWorker>> popped;
  auto keep = [&](StatusOr<LeasedWorker> w) { popped.push_back(std::move(w)); };
  pool_->PopWorker(Request("bad"), keep);
  pool_->PopWorker(Request("bad"), keep);
  provider_.Answer(Status::Internal("pip could not install ['nope']"));
  ASSERT_EQ(popped.size(), 2u);
  for (const auto& p : popped) {
    EXPECT_EQ(p.status().code(), StatusCode::kRuntimeEnvSetupFailed);
    EXPECT_EQ(p.status().message(), "pip could not install ['nope']");
  }
  EXPECT_EQ(pool_->num_workers(), 0u);
  pool_->PopWorker(Request("bad"), keep);
  EXPECT_EQ(provider_.asked.size(), 2u);  // not remembered as built, nor as failed
}

TEST_F(RuntimeEnvPoolTest, WithoutAProviderEnvPopsFail) {
  pool_->SetRuntimeEnvProvider(nullptr);
  std::optional<StatusOr<LeasedWorker>> popped;
  pool_->PopWorker(Request("h"), [&](StatusOr<LeasedWorker> w) { popped = std::move(w); });
  ASSERT_TRUE(popped.has_value());
  EXPECT_EQ(popped->status().code(), StatusCode::kRuntimeEnvSetupFailed);
}

TEST(RuntimeEnvPackageDigestsTest, FindsThePackagesAnEnvNames) {
  std::string a(64, 'a'), b(64, 'b');
  auto digests = RuntimeEnvAgentClient::PackageDigests(
      "{\"py_modules\":[\"pkg://" + b + "\",\"pkg://" + a + "\"],\"working_dir\":\"pkg://" + a +
      "\",\"env_vars\":{\"X\":\"pkg://short\"}}");
  EXPECT_EQ(digests, (std::vector<std::string>{a, b}));
  EXPECT_TRUE(RuntimeEnvAgentClient::PackageDigests("{\"env_vars\":{}}").empty());
}

// A stand-in agent speaking the line protocol: "good" envs get a context, "die" ends the
// agent, anything else is refused.
constexpr const char* kFakeAgent =
    "while read -r line; do\n"
    "  id=$(printf '%s' \"$line\" | sed 's/.*\"request_id\":\"\\([0-9]*\\)\".*/\\1/')\n"
    "  case \"$line\" in\n"
    "    *'\"runtime_env_hash\":\"die\"'*) exit 3;;\n"
    "    *'\"runtime_env_hash\":\"good\"'*) printf '{\"request_id\":%s,\"ok\":true,"
    "\"context\":{\"cwd\":\"/tmp\",\"env_vars\":{\"A\":\"b\"}}}\\n' \"$id\";;\n"
    "    *) printf '{\"request_id\":%s,\"ok\":false,\"error\":\"no such thing\"}\\n' \"$id\";;\n"
    "  esac\n"
    "done\n";

class RuntimeEnvAgentClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/colony_runtime_env_agent_test_" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0755);
    std::string script = dir_ + "/fake_agent.sh";
    std::ofstream(script) << "#!/bin/sh\n" << kFakeAgent;
    chmod(script.c_str(), 0755);
    RuntimeEnvAgentOptions options;
    options.python_executable = script;
    options.resources_dir = dir_ + "/resources";
    options.log_path = dir_ + "/agent.log";
    client_ = std::make_unique<RuntimeEnvAgentClient>(
        options, &loop_,
        [this](const std::string& digest, std::function<void(StatusOr<std::string>)> done) {
          fetched_.push_back(digest);
          loop_.Post([digest, done = std::move(done)] {
            if (digest == std::string(64, 'a')) {
              done(std::string("zip bytes"));
            } else {
              done(Status::NotFound("the cluster has no such package"));
            }
          });
        });
  }
  void TearDown() override {
    client_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }
  StatusOr<rpc::RuntimeEnvContext> Create(const std::string& hash, const std::string& json) {
    std::optional<StatusOr<rpc::RuntimeEnvContext>> result;
    client_->GetOrCreate(JobID::FromInt(1), hash, json,
                         [&](StatusOr<rpc::RuntimeEnvContext> r) { result = std::move(r); });
    for (int i = 0; i < 500 && !result.has_value(); i++) {
      loop_.RunPending();
      if (!result.has_value()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!result.has_value()) return Status::TimedOut("no answer");
    return std::move(*result);
  }

  std::string dir_;
  EventLoop loop_;
  std::vector<std::string> fetched_;
  std::unique_ptr<RuntimeEnvAgentClient> client_;
};

TEST_F(RuntimeEnvAgentClientTest, FetchesPackagesAsksTheAgentAndRestartsIt) {
  std::string a(64, 'a'), b(64, 'b');
  auto good = Create("good", "{\"working_dir\":\"pkg://" + a + "\"}");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good.value().cwd(), "/tmp");
  EXPECT_EQ(good.value().env_vars().at("A"), "b");
  std::ifstream zip(dir_ + "/resources/packages/" + a + ".zip");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(zip)), std::istreambuf_iterator<char>()),
            "zip bytes");
  // Fetched once: the second env naming it finds it on disk.
  ASSERT_TRUE(Create("good", "{\"py_modules\":[\"pkg://" + a + "\"]}").ok());
  EXPECT_EQ(fetched_.size(), 1u);

  auto refused = Create("other", "{}");
  EXPECT_EQ(refused.status().code(), StatusCode::kRuntimeEnvSetupFailed);
  EXPECT_EQ(refused.status().message(), "no such thing");

  auto missing = Create("good", "{\"working_dir\":\"pkg://" + b + "\"}");
  EXPECT_EQ(missing.status().code(), StatusCode::kRuntimeEnvSetupFailed);
  EXPECT_NE(missing.status().message().find("package pkg://" + b), std::string::npos);

  // The agent dies with a request in flight: that request fails, the next starts a new one.
  auto died = Create("die", "{}");
  EXPECT_EQ(died.status().code(), StatusCode::kRuntimeEnvSetupFailed);
  EXPECT_NE(died.status().message().find("agent exited"), std::string::npos);
  EXPECT_TRUE(Create("good", "{}").ok());
}

}  // namespace
}  // namespace colony::raylet
