// The raylet's calls to the GCS. Start-up and shutdown calls block (nothing else runs
// then); the rest are asynchronous with callbacks posted onto the raylet's event loop.
// Reports that must not be lost while the GCS restarts (a worker's exit, a job's config)
// are retried with backoff for rpc::GcsReconnectTimeoutMs(); the periodic ones (resource
// reports, node polls) simply run again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "common/event_loop.h"
#include "common/id.h"
#include "common/status.h"
#include "gcs.grpc.pb.h"
#include "rpc/gcs_retry.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class GcsClient {
 public:
  template <typename Reply>
  using Callback = std::function<void(Status, Reply&&)>;

  GcsClient(std::string address, std::string token, EventLoop* loop);
  // Cancels calls in flight and waits until their completions have run.
  ~GcsClient();

  const std::string& address() const { return address_; }

  // Retries until it succeeds or `timeout_ms` has passed; a wrong token fails at once.
  Status RegisterNode(const rpc::NodeInfo& node, int64_t timeout_ms);
  Status UnregisterNode(const NodeID& node_id, const std::string& reason, int64_t timeout_ms);

  void ReportResources(rpc::ReportResourcesRequest request, int64_t timeout_ms,
                       Callback<rpc::ReportResourcesReply> callback);
  void PollNodeChanges(int64_t after_sequence, int64_t timeout_ms,
                       Callback<rpc::PollNodeChangesReply> callback);
  void GetAllNodeInfo(int64_t timeout_ms, Callback<rpc::GetAllNodeInfoReply> callback);
  void GetAllJobInfo(int64_t timeout_ms, Callback<rpc::GetAllJobInfoReply> callback);
  // One internal KV value (runtime-env packages, KV namespace "packages").
  void KvGet(const std::string& ns, const std::string& key, int64_t timeout_ms,
             Callback<rpc::KvGetReply> callback);
  void ReportWorkerFailure(rpc::ReportWorkerFailureRequest request, int64_t timeout_ms,
                           Callback<rpc::ReportWorkerFailureReply> callback);

  // Cancels calls in flight (the long poll) and fails later ones at once.
  void CancelAll();

 private:
  template <typename Request, typename Reply, typename Start>
  void Call(Request request, int64_t timeout_ms, Start start, Callback<Reply> callback);
  // Call, again after a backoff delay while the GCS is unavailable, until `deadline_ms`
  // (steady clock).
  template <typename Request, typename Reply, typename Start>
  void CallRetrying(Request request, int64_t timeout_ms, Start start, Callback<Reply> callback,
                    int64_t deadline_ms, std::shared_ptr<rpc::GcsBackoff> backoff);
  bool Track(grpc::ClientContext* ctx);
  void Untrack(grpc::ClientContext* ctx);

  std::string address_;
  std::string token_;
  EventLoop* loop_;
  std::unique_ptr<rpc::GcsService::Stub> stub_;

  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::unordered_set<grpc::ClientContext*> in_flight_;
  bool canceled_ = false;
};

}  // namespace colony::raylet
