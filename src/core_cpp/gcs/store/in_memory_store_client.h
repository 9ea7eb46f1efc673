// StoreClient backed by ordered in-process maps: the embedded default. State is lost when
// the process exits. Every operation completes before it returns (its callback runs
// inline, on the caller's thread, which is the GCS loop). Not thread-safe.
#pragma once

#include <map>
#include <string>

#include "gcs/store/store_client.h"

namespace colony::gcs {

class InMemoryStoreClient : public StoreClient {
 public:
  void AsyncPut(const std::string& table, const std::string& key, std::string value,
                bool overwrite, StoreCallback<bool> done) override;
  void AsyncGet(const std::string& table, const std::string& key,
                StoreCallback<std::optional<std::string>> done) override;
  void AsyncDelete(const std::string& table, const std::string& key,
                   StoreCallback<bool> done) override;
  void AsyncDeleteByPrefix(const std::string& table, const std::string& prefix,
                           StoreCallback<int64_t> done) override;
  void AsyncGetAll(const std::string& table,
                   StoreCallback<std::map<std::string, std::string>> done) override;
  void AsyncKeys(const std::string& table, const std::string& prefix,
                 StoreCallback<std::vector<std::string>> done) override;
  std::string Describe() const override { return "memory"; }

 private:
  using Table = std::map<std::string, std::string>;
  // Finds a table without creating it, so reads of unknown tables stay cheap.
  const Table* FindTable(const std::string& table) const;

  std::map<std::string, Table> tables_;
};

}  // namespace colony::gcs
