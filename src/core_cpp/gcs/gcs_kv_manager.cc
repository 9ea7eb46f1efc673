#include "gcs/gcs_kv_manager.h"

namespace colony::gcs {

StatusOr<bool> GcsKvManager::Put(const std::string& ns, const std::string& key,
                                 const std::string& value, bool overwrite) {
  return store_->Put(TableFor(ns), key, value, overwrite);
}

StatusOr<std::optional<std::string>> GcsKvManager::Get(const std::string& ns,
                                                       const std::string& key) {
  return store_->Get(TableFor(ns), key);
}

StatusOr<int64_t> GcsKvManager::Del(const std::string& ns, const std::string& key,
                                    bool by_prefix) {
  if (by_prefix) return store_->DeleteByPrefix(TableFor(ns), key);
  auto deleted = store_->Delete(TableFor(ns), key);
  if (!deleted.ok()) return deleted.status();
  return int64_t{*deleted ? 1 : 0};
}

StatusOr<std::vector<std::string>> GcsKvManager::Keys(const std::string& ns,
                                                      const std::string& prefix) {
  return store_->Keys(TableFor(ns), prefix);
}

void GcsKvManager::HandleKvPut(const rpc::KvPutRequest& request, rpc::KvPutReply* reply,
                               rpc::SendReply send_reply) {
  auto added = Put(request.ns(), request.key(), request.value(), request.overwrite());
  if (added.ok()) reply->set_added(*added);
  send_reply(added.status());
}

void GcsKvManager::HandleKvGet(const rpc::KvGetRequest& request, rpc::KvGetReply* reply,
                               rpc::SendReply send_reply) {
  auto value = Get(request.ns(), request.key());
  if (value.ok() && value->has_value()) {
    reply->set_found(true);
    reply->set_value(std::move(**value));
  }
  send_reply(value.status());
}

void GcsKvManager::HandleKvDel(const rpc::KvDelRequest& request, rpc::KvDelReply* reply,
                               rpc::SendReply send_reply) {
  auto deleted = Del(request.ns(), request.key(), request.by_prefix());
  if (deleted.ok()) reply->set_deleted(*deleted);
  send_reply(deleted.status());
}

void GcsKvManager::HandleKvKeys(const rpc::KvKeysRequest& request, rpc::KvKeysReply* reply,
                                rpc::SendReply send_reply) {
  auto keys = Keys(request.ns(), request.prefix());
  if (keys.ok()) {
    for (auto& key : *keys) reply->add_keys(std::move(key));
  }
  send_reply(keys.status());
}

}  // namespace colony::gcs
