// The internal KV: (namespace, key) -> bytes, used by drivers and workers to export
// functions, share cluster metadata and the like. Each namespace is its own store table,
// so prefix scans never cross namespaces. Not cached: every call goes to the store, and
// a reply is sent once the store has answered (so a Put is stored before it is acked).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gcs.pb.h"
#include "gcs/store/store_client.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsKvManager {
 public:
  explicit GcsKvManager(StoreClient* store) : store_(store) {}

  // Yields true if the key was newly added; overwrite=false keeps an existing value.
  void Put(const std::string& ns, const std::string& key, std::string value, bool overwrite,
           StoreCallback<bool> done);
  void Get(const std::string& ns, const std::string& key,
           StoreCallback<std::optional<std::string>> done);
  // Deletes `key`, or every key starting with it when by_prefix; yields how many.
  void Del(const std::string& ns, const std::string& key, bool by_prefix,
           StoreCallback<int64_t> done);
  void Keys(const std::string& ns, const std::string& prefix,
            StoreCallback<std::vector<std::string>> done);

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
