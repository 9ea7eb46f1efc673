#include "gcs/gcs_kv_manager.h"

namespace colony::gcs {

void GcsKvManager::Put(const std::string& ns, const std::string& key, std::string value,
                       bool overwrite, StoreCallback<bool> done) {
  store_->AsyncPut(TableFor(ns), key, std::move(value), overwrite, std::move(done));
}

void GcsKvManager::Get(const std::string& ns, const std::string& key,
                       StoreCallback<std::optional<std::string>> done) {
  store_->AsyncGet(TableFor(ns), key, std::move(done));
}

void GcsKvManager::Del(const std::string& ns, const std::string& key, bool by_prefix,
                       StoreCallback<int64_t> done) {
  if (by_prefix) {
    store_->AsyncDeleteByPrefix(TableFor(ns), key, std::move(done));
    return;
  }
  store_->AsyncDelete(TableFor(ns), key, [done = std::move(done)](StatusOr<bool> deleted) {
    if (!done) return;
    if (!deleted.ok()) return done(deleted.status());
    done(int64_t{*deleted ? 1 : 0});
  });
}

void GcsKvManager::Keys(const std::string& ns, const std::string& prefix,
                        StoreCallback<std::vector<std::string>> done) {
  store_->AsyncKeys(TableFor(ns), prefix, std::move(done));
}

void GcsKvManager::HandleKvPut(const rpc::KvPutRequest& request, rpc::KvPutReply* reply,
                               rpc::SendReply send_reply) {
  Put(request.ns(), request.key(), request.value(), request.overwrite(),
      [reply, send_reply = std::move(send_reply)](StatusOr<bool> added) {
        if (added.ok()) reply->set_added(*added);
        send_reply(added.status());
      });
}

void GcsKvManager::HandleKvGet(const rpc::KvGetRequest& request, rpc::KvGetReply* reply,
                               rpc::SendReply send_reply) {
  Get(request.ns(), request.key(),
      [reply, send_reply = std::move(send_reply)](StatusOr<std::optional<std::string>> value) {
        if (value.ok() && value->has_value()) {
          reply->set_found(true);
          reply->set_value(std::move(**value));
        }
        send_reply(value.status());
      });
}

void GcsKvManager::HandleKvDel(const rpc::KvDelRequest& request, rpc::KvDelReply* reply,
                               rpc::SendReply send_reply) {
  Del(request.ns(), request.key(), request.by_prefix(),
      [reply, send_reply = std::move(send_reply)](StatusOr<int64_t> deleted) {
        if (deleted.ok()) reply->set_deleted(*deleted);
        send_reply(deleted.status());
      });
}

void GcsKvManager::HandleKvKeys(const rpc::KvKeysRequest& request, rpc::KvKeysReply* reply,
                                rpc::SendReply send_reply) {
  Keys(request.ns(), request.prefix(),
       [reply, send_reply = std::move(send_reply)](StatusOr<std::vector<std::string>> keys) {
         if (keys.ok()) {
           for (auto& key : *keys) reply->add_keys(std::move(key));
         }
         send_reply(keys.status());
       });
}

}  // namespace colony::gcs
