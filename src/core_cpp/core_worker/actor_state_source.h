// Seam: where an actor's caller learns the actor's state (ALIVE at an address, RESTARTING,
// DEAD and why): the GCS's long poll (GcsService.PollActorState). GrpcActorStateSource is
// the real one; tests use a fake that keeps polls until the test answers them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/id.h"
#include "common/status.h"
#include "gcs.grpc.pb.h"

namespace colony {

class ActorStateSource {
 public:
  using StateCallback = std::function<void(Status, rpc::PollActorStateReply&&)>;

  virtual ~ActorStateSource() = default;
  // Answers once the actor's version moves past `after_version` (at once for 0), or with
  // an error (the poll timed out or the GCS was unreachable). `callback` runs on any
  // thread but the caller's.
  virtual void PollActorState(const ActorID& actor_id, int64_t after_version,
                              StateCallback callback) = 0;
};

// Over gRPC to the GCS; callbacks run on gRPC threads.
class GrpcActorStateSource : public ActorStateSource {
 public:
  // A poll the GCS leaves unanswered this long fails (and is asked again).
  static constexpr int64_t kPollTimeoutMs = 60000;

  GrpcActorStateSource(rpc::GcsService::Stub* gcs, std::string token)
      : gcs_(gcs), token_(std::move(token)) {}

  void PollActorState(const ActorID& actor_id, int64_t after_version,
                      StateCallback callback) override;

 private:
  rpc::GcsService::Stub* gcs_;
  std::string token_;
};

}  // namespace colony
