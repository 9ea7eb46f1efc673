// The internal KV: (namespace, key) -> bytes, used by drivers and workers to export
// functions, share cluster metadata and the like. Each namespace is its own store table,
// so prefix scans never cross namespaces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gcs.pb.h"
#include "gcs/store_client.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsKvManager {
 public:
  explicit GcsKvManager(StoreClient* store) : store_(store) {}

  // Returns true if the key was newly added; overwrite=false keeps an existing value.
  StatusOr<bool> Put(const std::string& ns, const std::string& key, const std::string& value,
                     bool overwrite);
  StatusOr<std::optional<std::string>> Get(const std::string& ns, const std::string& key);
  // Deletes `key`, or every key starting with it when by_prefix; returns how many.
  StatusOr<int64_t> Del(const std::string& ns, const std::string& key, bool by_prefix);
  StatusOr<std::vector<std::string>> Keys(const std::string& ns, const std::string& prefix);

  void HandleKvPut(const rpc::KvPutRequest& request, rpc::KvPutReply* reply,
                   rpc::SendReply send_reply);
  void HandleKvGet(const rpc::KvGetRequest& request, rpc::KvGetReply* reply,
                   rpc::SendReply send_reply);
  void HandleKvDel(const rpc::KvDelRequest& request, rpc::KvDelReply* reply,
                   rpc::SendReply send_reply);
  void HandleKvKeys(const rpc::KvKeysRequest& request, rpc::KvKeysReply* reply,
                    rpc::SendReply send_reply);

 private:
  static std::string TableFor(const std::string& ns) { return tables::kKvPrefix + ns; }

  StoreClient* store_;
};

}  // namespace colony::gcs
