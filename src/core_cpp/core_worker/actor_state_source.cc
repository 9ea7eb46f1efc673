#include "core_worker/actor_state_source.h"

#include "rpc/grpc_util.h"

namespace colony {

void GrpcActorStateSource::PollActorState(const ActorID& actor_id, int64_t after_version,
                                          StateCallback callback) {
  rpc::PollActorStateRequest request;
  request.set_actor_id(actor_id.Binary());
  request.set_after_version(after_version);
  rpc::GcsService::Stub* gcs = gcs_;
  rpc::CallUnary<rpc::PollActorStateRequest, rpc::PollActorStateReply>(
      token_, kPollTimeoutMs, std::move(request),
      [gcs](auto* ctx, auto* req, auto* reply, auto done) {
        gcs->async()->PollActorState(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

}  // namespace colony
