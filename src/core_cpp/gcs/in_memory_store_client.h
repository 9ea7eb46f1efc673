// StoreClient backed by ordered in-process maps: the embedded default. State is lost when
// the process exits. Not thread-safe: the GCS calls it only from its event loop.
#pragma once

#include <map>
#include <string>

#include "gcs/store_client.h"

namespace colony::gcs {

class InMemoryStoreClient : public StoreClient {
 public:
  StatusOr<bool> Put(const std::string& table, const std::string& key, const std::string& value,
                     bool overwrite) override;
  StatusOr<std::optional<std::string>> Get(const std::string& table,
                                           const std::string& key) override;
  StatusOr<bool> Delete(const std::string& table, const std::string& key) override;
  StatusOr<int64_t> DeleteByPrefix(const std::string& table, const std::string& prefix) override;
  StatusOr<std::map<std::string, std::string>> GetAll(const std::string& table) override;
  StatusOr<std::vector<std::string>> Keys(const std::string& table,
                                          const std::string& prefix) override;

 private:
  using Table = std::map<std::string, std::string>;
  // Finds a table without creating it, so reads of unknown tables stay cheap.
  const Table* FindTable(const std::string& table) const;

  std::map<std::string, Table> tables_;
};

}  // namespace colony::gcs
