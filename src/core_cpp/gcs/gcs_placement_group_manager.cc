#include "gcs/gcs_placement_group_manager.h"

#include <chrono>
#include <cmath>

#include "common/logging.h"
#include "common/resources.h"

namespace colony::gcs {
namespace {

using Group = rpc::PlacementGroupTableData;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex(const std::string& binary) {
  return BytesToHex(reinterpret_cast<const uint8_t*>(binary.data()), binary.size());
}

bool AllPlaced(const Group& group) {
  for (const rpc::Bundle& bundle : group.bundles()) {
    if (bundle.node_id().empty()) return false;
  }
  return true;
}

}  // namespace

GcsPlacementGroupManager::GcsPlacementGroupManager(EventLoop* loop, GcsTableStorage* storage,
                                                   GcsPlacementGroupScheduler* scheduler,
                                                   ActorKiller kill_actors,
                                                   GcsPlacementGroupManagerOptions options)
    : loop_(loop),
      storage_(storage),
      scheduler_(scheduler),
      kill_actors_(std::move(kill_actors)),
      options_(options) {
  scheduler_->SetListener(this);
}

Status GcsPlacementGroupManager::Validate(const Group& group) {
  if (group.placement_group_id().size() != 16) {
    return Status::InvalidArgument("placement group id must be 16 bytes, got " +
                                   std::to_string(group.placement_group_id().size()));
  }
  if (!Group::Strategy_IsValid(group.strategy())) {
    return Status::InvalidArgument("unknown placement strategy " +
                                   std::to_string(static_cast<int>(group.strategy())) +
                                   "; use PACK, SPREAD, STRICT_PACK or STRICT_SPREAD");
  }
  if (group.bundles_size() == 0) {
    return Status::InvalidArgument("a placement group needs at least one bundle");
  }
  for (int i = 0; i < group.bundles_size(); ++i) {
    const rpc::Bundle& bundle = group.bundles(i);
    bool any = false;
    for (const auto& [name, amount] : bundle.resources()) {
      if (name.empty()) return Status::InvalidArgument("bundle " + std::to_string(i) +
                                                       " has a resource with an empty name");
      COLONY_RETURN_IF_ERROR(
          ValidateResourceAmount("bundle " + std::to_string(i), name, amount));
      any = any || amount > 0;
    }
    if (!any) {
      return Status::InvalidArgument("bundle " + std::to_string(i) +
                                     " asks for no resources; every bundle needs at least one "
                                     "resource above zero");
    }
  }
  return Status::OK();
}

Status GcsPlacementGroupManager::Initialize(const GcsInitData& init) {
  std::unordered_map<std::string, bool> alive;
  for (const auto& [id, node] : init.nodes) alive[id] = node.alive();
  for (const auto& [id, group] : init.placement_groups) {
    Group& g = groups_[id] = group;
    if (g.state() == Group::REMOVED) continue;
    if (!g.name().empty()) named_[{g.namespace_(), g.name()}] = id;
    bool lost = false;
    for (rpc::Bundle& bundle : *g.mutable_bundles()) {
      if (!bundle.node_id().empty() && !alive[bundle.node_id()]) {
        bundle.clear_node_id();
        lost = true;
      }
    }
    if (g.state() == Group::CREATED && !lost) continue;
    if (g.state() == Group::CREATED) g.set_state(Group::RESCHEDULING);
    if (g.state() == Group::PREPARED) g.set_state(Group::PENDING);
    // A group that was not created may be half prepared: its reservations are rolled back
    // on every node before it is placed again (the cancel answers come first).
    std::string pg_id = id;
    Group unplaced = g;
    for (rpc::Bundle& bundle : *unplaced.mutable_bundles()) {
      if (g.state() == Group::PENDING) bundle.clear_node_id();
    }
    if (g.state() == Group::PENDING) {
      scheduler_->CancelEverywhere(unplaced, [this, pg_id] {
        const Group* group = Get(pg_id);
        if (group != nullptr && group->state() != Group::REMOVED) TrySchedule(*group);
      });
    } else {
      TrySchedule(g);
    }
  }
  return Status::OK();
}

void GcsPlacementGroupManager::Start() {
  if (started_) return;
  started_ = true;
  loop_->PostPeriodic([this] { RetryWaiting(); }, options_.retry_period_ms);
}

rpc::PlacementGroupTableData* GcsPlacementGroupManager::Find(const std::string& pg_id) {
  auto it = groups_.find(pg_id);
  return it == groups_.end() ? nullptr : &it->second;
}

const rpc::PlacementGroupTableData* GcsPlacementGroupManager::Get(const std::string& pg_id) const {
  auto it = groups_.find(pg_id);
  return it == groups_.end() ? nullptr : &it->second;
}

void GcsPlacementGroupManager::Persist(Group& group, StatusCallback done) {
  group.set_version(group.version() + 1);
  std::string id = group.placement_group_id();
  StatusCallback written = [id, done = std::move(done)](Status status) {
    if (!status.ok()) {
      COLONY_LOG(ERROR) << "cannot store placement group " << Hex(id) << ": " << status.ToString();
    }
    if (done) done(status);
  };
  storage_->placement_groups().Put(id, group, std::move(written));
}

void GcsPlacementGroupManager::HandleCreatePlacementGroup(
    const rpc::CreatePlacementGroupRequest& request, rpc::CreatePlacementGroupReply*,
    rpc::SendReply send) {
  const Group& asked = request.placement_group();
  Status valid = Validate(asked);
  if (!valid.ok()) return send(valid);
  const std::string& pg_id = asked.placement_group_id();
  if (groups_.count(pg_id)) return send(Status::OK());  // a retried create
  if (!asked.name().empty() && named_.count({asked.namespace_(), asked.name()})) {
    return send(Status::AlreadyExists("a placement group named '" + asked.name() +
                                      "' already exists in namespace '" + asked.namespace_() +
                                      "'"));
  }
  Group& group = groups_[pg_id] = asked;
  group.set_state(Group::PENDING);
  group.set_create_time_ms(NowMs());
  group.clear_pending_reason();
  for (int i = 0; i < group.bundles_size(); ++i) {
    rpc::Bundle* bundle = group.mutable_bundles(i);
    bundle->set_placement_group_id(pg_id);
    bundle->set_index(i);
    bundle->clear_node_id();
  }
  if (!group.name().empty()) named_[{group.namespace_(), group.name()}] = pg_id;
  Persist(group, [send](Status status) { send(status); });
  TrySchedule(group);
}

void GcsPlacementGroupManager::TrySchedule(const Group& group) {
  if (scheduler_->IsScheduling(group.placement_group_id())) return;
  scheduler_->Schedule(group);
}

void GcsPlacementGroupManager::RetryWaiting() {
  std::vector<std::string> waiting;
  for (const auto& [id, group] : groups_) {
    if ((group.state() == Group::PENDING || group.state() == Group::RESCHEDULING) &&
        !scheduler_->IsScheduling(id)) {
      waiting.push_back(id);
    }
  }
  for (const std::string& id : waiting) {
    const Group* group = Get(id);
    if (group != nullptr) TrySchedule(*group);
  }
}

void GcsPlacementGroupManager::OnPlacementCreated(const std::string& pg_id,
                                                  const std::map<int, NodeID>& placed) {
  Group* group = Find(pg_id);
  if (group == nullptr || group->state() == Group::REMOVED) {
    // Removed while its commit was in flight: give the bundles back.
    std::vector<rpc::Bundle> bundles;
    if (group != nullptr) {
      for (const auto& [index, node] : placed) {
        rpc::Bundle bundle = group->bundles(index);
        bundle.set_node_id(node.Binary());
        bundles.push_back(bundle);
      }
    }
    scheduler_->ReturnBundles(bundles);
    return;
  }
  for (const auto& [index, node] : placed) {
    if (index >= 0 && index < group->bundles_size()) {
      group->mutable_bundles(index)->set_node_id(node.Binary());
    }
  }
  if (!AllPlaced(*group)) {  // a node died meanwhile: place the rest
    Persist(*group);
    TrySchedule(*group);
    return;
  }
  group->set_state(Group::CREATED);
  group->clear_pending_reason();
  COLONY_LOG(INFO) << "placement group " << Hex(pg_id) << " created";
  Persist(*group, [this, pg_id](Status) { AnswerWaiters(pg_id); });
}

void GcsPlacementGroupManager::OnPlacementFailed(const std::string& pg_id,
                                                 const std::string& reason) {
  Group* group = Find(pg_id);
  if (group == nullptr || group->state() == Group::REMOVED) return;
  if (group->pending_reason() == reason) return;  // retried, same answer
  COLONY_LOG(WARNING) << "placement group " << Hex(pg_id)
                      << (group->name().empty() ? "" : " (" + group->name() + ")")
                      << " is pending: " << reason;
  group->set_pending_reason(reason);
  Persist(*group);
}

void GcsPlacementGroupManager::Remove(Group& group) {
  const std::string pg_id = group.placement_group_id();
  if (group.state() == Group::REMOVED) return;
  scheduler_->Cancel(pg_id);
  std::vector<rpc::Bundle> placed;
  for (const rpc::Bundle& bundle : group.bundles()) {
    if (!bundle.node_id().empty()) placed.push_back(bundle);
  }
  scheduler_->ReturnBundles(placed);
  if (!group.name().empty()) {
    auto named = named_.find({group.namespace_(), group.name()});
    if (named != named_.end() && named->second == pg_id) named_.erase(named);
  }
  group.set_state(Group::REMOVED);
  group.clear_pending_reason();
  COLONY_LOG(INFO) << "placement group " << Hex(pg_id) << " removed";
  if (kill_actors_) kill_actors_(pg_id);
  Persist(group);
  AnswerWaiters(pg_id);
}

void GcsPlacementGroupManager::HandleRemovePlacementGroup(
    const rpc::RemovePlacementGroupRequest& request, rpc::RemovePlacementGroupReply* reply,
    rpc::SendReply send) {
  Group* group = Find(request.placement_group_id());
  if (group == nullptr) {
    reply->set_found(false);
    return send(Status::OK());
  }
  reply->set_found(true);
  Remove(*group);
  // Answered once the REMOVED record is stored, like every other acknowledgement.
  storage_->placement_groups().Put(group->placement_group_id(), *group,
                                   [send](Status status) { send(status); });
}

void GcsPlacementGroupManager::HandleGetPlacementGroup(const rpc::GetPlacementGroupRequest& request,
                                                       rpc::GetPlacementGroupReply* reply,
                                                       rpc::SendReply send) {
  const Group* group = nullptr;
  if (!request.placement_group_id().empty()) {
    group = Get(request.placement_group_id());
  } else {
    auto named = named_.find({request.namespace_(), request.name()});
    if (named != named_.end()) group = Get(named->second);
  }
  reply->set_found(group != nullptr);
  if (group != nullptr) *reply->mutable_placement_group() = *group;
  send(Status::OK());
}

void GcsPlacementGroupManager::HandleGetAllPlacementGroup(const rpc::GetAllPlacementGroupRequest&,
                                                          rpc::GetAllPlacementGroupReply* reply,
                                                          rpc::SendReply send) {
  std::vector<const Group*> all;
  for (const auto& [id, group] : groups_) all.push_back(&group);
  std::sort(all.begin(), all.end(), [](const Group* a, const Group* b) {
    return a->create_time_ms() != b->create_time_ms()
               ? a->create_time_ms() < b->create_time_ms()
               : a->placement_group_id() < b->placement_group_id();
  });
  for (const Group* group : all) *reply->add_placement_groups() = *group;
  send(Status::OK());
}

void GcsPlacementGroupManager::HandleWaitPlacementGroupUntilReady(
    const rpc::WaitPlacementGroupUntilReadyRequest& request,
    rpc::WaitPlacementGroupUntilReadyReply* reply, rpc::SendReply send) {
  const std::string& pg_id = request.placement_group_id();
  const Group* group = Get(pg_id);
  if (group == nullptr) {
    reply->set_found(false);
    return send(Status::OK());
  }
  bool settled = group->state() == Group::CREATED || group->state() == Group::REMOVED;
  int64_t timeout_ms = std::min(std::max<int64_t>(request.timeout_ms(), 0), options_.max_wait_ms);
  if (settled || timeout_ms == 0 || shut_down_) {
    reply->set_found(true);
    reply->set_ready(group->state() == Group::CREATED);
    *reply->mutable_placement_group() = *group;
    return send(Status::OK());
  }
  uint64_t waiter_id = next_waiter_id_++;
  waiters_[pg_id].push_back(Waiter{waiter_id, reply, std::move(send)});
  loop_->PostDelayed(
      [this, pg_id, waiter_id] {
        auto it = waiters_.find(pg_id);
        if (it == waiters_.end()) return;
        auto& list = it->second;
        for (auto w = list.begin(); w != list.end(); ++w) {
          if (w->id != waiter_id) continue;
          Waiter waiter = std::move(*w);
          list.erase(w);
          if (list.empty()) waiters_.erase(it);
          const Group* g = Get(pg_id);
          waiter.reply->set_found(g != nullptr);
          waiter.reply->set_ready(g != nullptr && g->state() == Group::CREATED);
          if (g != nullptr) *waiter.reply->mutable_placement_group() = *g;
          waiter.send(Status::OK());
          return;
        }
      },
      timeout_ms);
}

void GcsPlacementGroupManager::AnswerWaiters(const std::string& pg_id) {
  auto it = waiters_.find(pg_id);
  if (it == waiters_.end()) return;
  std::vector<Waiter> list = std::move(it->second);
  waiters_.erase(it);
  const Group* group = Get(pg_id);
  for (Waiter& waiter : list) {
    waiter.reply->set_found(group != nullptr);
    waiter.reply->set_ready(group != nullptr && group->state() == Group::CREATED);
    if (group != nullptr) *waiter.reply->mutable_placement_group() = *group;
    waiter.send(Status::OK());
  }
}

void GcsPlacementGroupManager::OnJobFinished(const JobID& job_id) {
  std::vector<std::string> ended;
  for (const auto& [id, group] : groups_) {
    if (!group.detached() && group.state() != Group::REMOVED &&
        group.creator_job_id() == job_id.Binary()) {
      ended.push_back(id);
    }
  }
  for (const std::string& id : ended) {
    COLONY_LOG(INFO) << "placement group " << Hex(id) << " ends with its job " << job_id.Hex();
    Remove(*Find(id));
  }
}

void GcsPlacementGroupManager::OnNodeDead(const NodeID& node_id) {
  std::vector<std::string> hit;
  for (auto& [id, group] : groups_) {
    if (group.state() == Group::REMOVED) continue;
    bool lost = false;
    for (rpc::Bundle& bundle : *group.mutable_bundles()) {
      if (bundle.node_id() == node_id.Binary()) {
        bundle.clear_node_id();
        lost = true;
      }
    }
    if (!lost) continue;
    if (group.state() == Group::CREATED) group.set_state(Group::RESCHEDULING);
    hit.push_back(id);
  }
  for (const std::string& id : hit) {
    Group& group = *Find(id);
    COLONY_LOG(INFO) << "placement group " << Hex(id) << " lost bundles on dead node "
                     << node_id.Hex() << "; placing them again";
    Persist(group);
    TrySchedule(group);
  }
}

void GcsPlacementGroupManager::Shutdown() {
  shut_down_ = true;
  std::vector<std::string> ids;
  for (const auto& [id, list] : waiters_) ids.push_back(id);
  for (const std::string& id : ids) AnswerWaiters(id);
}

}  // namespace colony::gcs
