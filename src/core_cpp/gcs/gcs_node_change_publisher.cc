#include "gcs/gcs_node_change_publisher.h"

#include <algorithm>
#include <utility>

namespace colony::gcs {

void GcsNodeChangePublisher::Publish(const rpc::NodeInfo& node) {
  latest_[node.node_id()] = Entry{++sequence_, node};
  auto held = std::move(held_);
  held_.clear();
  for (auto& [id, poll] : held) Answer(poll.after_sequence, poll.reply, poll.send_reply);
}

std::vector<rpc::NodeInfo> GcsNodeChangePublisher::ChangesAfter(int64_t after_sequence) const {
  std::vector<const Entry*> changed;
  for (const auto& [id, entry] : latest_) {
    if (entry.sequence > after_sequence) changed.push_back(&entry);
  }
  std::sort(changed.begin(), changed.end(),
            [](const Entry* a, const Entry* b) { return a->sequence < b->sequence; });
  std::vector<rpc::NodeInfo> nodes;
  nodes.reserve(changed.size());
  for (const Entry* entry : changed) nodes.push_back(entry->node);
  return nodes;
}

void GcsNodeChangePublisher::HandlePollNodeChanges(const rpc::PollNodeChangesRequest& request,
                                                   rpc::PollNodeChangesReply* reply,
                                                   rpc::SendReply send_reply) {
  int64_t after = request.after_sequence();
  // A sequence from the future was issued by an earlier GCS incarnation: resync fully.
  if (after > sequence_) after = 0;
  if (after < sequence_ || shut_down_) {
    Answer(after, reply, send_reply);
    return;
  }
  uint64_t poll_id = next_poll_id_++;
  held_.emplace(poll_id, HeldPoll{after, reply, std::move(send_reply)});
  loop_->PostDelayed([this, poll_id]() { OnPollTimeout(poll_id); }, poll_timeout_ms_);
}

void GcsNodeChangePublisher::Shutdown() {
  shut_down_ = true;
  auto held = std::move(held_);
  held_.clear();
  for (auto& [id, poll] : held) Answer(poll.after_sequence, poll.reply, poll.send_reply);
}

void GcsNodeChangePublisher::Answer(int64_t after_sequence, rpc::PollNodeChangesReply* reply,
                                    const rpc::SendReply& send_reply) const {
  for (auto& node : ChangesAfter(after_sequence)) *reply->add_changed() = std::move(node);
  reply->set_sequence(sequence_);
  send_reply(Status::OK());
}

void GcsNodeChangePublisher::OnPollTimeout(uint64_t poll_id) {
  auto it = held_.find(poll_id);
  if (it == held_.end()) return;  // already answered by a change
  HeldPoll poll = std::move(it->second);
  held_.erase(it);
  Answer(poll.after_sequence, poll.reply, poll.send_reply);
}

}  // namespace colony::gcs
