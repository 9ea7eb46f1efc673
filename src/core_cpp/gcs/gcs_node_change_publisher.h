// Node-change pub/sub as a long poll. Every node state change gets the next sequence
// number; a poller names the last sequence it has seen and is answered as soon as there is
// anything newer (the latest state of each changed node), or after a timeout with nothing.
//
// Lives on the GCS event loop; it must outlive the loop's Run (held polls arm timers).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "gcs.pb.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsNodeChangePublisher {
 public:
  static constexpr int64_t kDefaultPollTimeoutMs = 10000;

  explicit GcsNodeChangePublisher(EventLoop* loop,
                                  int64_t poll_timeout_ms = kDefaultPollTimeoutMs)
      : loop_(loop), poll_timeout_ms_(poll_timeout_ms) {}

  // Records the node's new state and answers every held poll.
  void Publish(const rpc::NodeInfo& node);
  int64_t sequence() const { return sequence_; }
  // Latest state of every node changed after `after_sequence`, oldest change first.
  std::vector<rpc::NodeInfo> ChangesAfter(int64_t after_sequence) const;

  // Answers at once if there are changes after request.after_sequence, else holds the
  // call until the next change or the poll timeout.
  void HandlePollNodeChanges(const rpc::PollNodeChangesRequest& request,
                             rpc::PollNodeChangesReply* reply, rpc::SendReply send_reply);

  // Answers every held poll, and later polls at once, so the RPC server can drain: a
  // gRPC server does not finish shutting down while a call is left unanswered.
  void Shutdown();
  size_t num_held_polls() const { return held_.size(); }

 private:
  struct Entry {
    int64_t sequence;
    rpc::NodeInfo node;
  };
  struct HeldPoll {
    int64_t after_sequence;
    rpc::PollNodeChangesReply* reply;
    rpc::SendReply send_reply;
  };

  void Answer(int64_t after_sequence, rpc::PollNodeChangesReply* reply,
              const rpc::SendReply& send_reply) const;
  void OnPollTimeout(uint64_t poll_id);

  EventLoop* loop_;
  int64_t poll_timeout_ms_;
  int64_t sequence_ = 0;
  std::map<std::string, Entry> latest_;  // by node ID binary
  std::map<uint64_t, HeldPoll> held_;    // by poll ID
  uint64_t next_poll_id_ = 0;
  bool shut_down_ = false;
};

}  // namespace colony::gcs
