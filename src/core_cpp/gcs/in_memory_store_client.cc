#include "gcs/in_memory_store_client.h"

namespace colony::gcs {
namespace {

bool HasPrefix(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

const InMemoryStoreClient::Table* InMemoryStoreClient::FindTable(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? nullptr : &it->second;
}

StatusOr<bool> InMemoryStoreClient::Put(const std::string& table, const std::string& key,
                                        const std::string& value, bool overwrite) {
  auto [it, added] = tables_[table].try_emplace(key, value);
  if (!added && overwrite) it->second = value;
  return added;
}

StatusOr<std::optional<std::string>> InMemoryStoreClient::Get(const std::string& table,
                                                              const std::string& key) {
  const Table* t = FindTable(table);
  if (t == nullptr) return std::optional<std::string>();
  auto it = t->find(key);
  if (it == t->end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

StatusOr<bool> InMemoryStoreClient::Delete(const std::string& table, const std::string& key) {
  auto it = tables_.find(table);
  if (it == tables_.end()) return false;
  return it->second.erase(key) > 0;
}

StatusOr<int64_t> InMemoryStoreClient::DeleteByPrefix(const std::string& table,
                                                      const std::string& prefix) {
  auto it = tables_.find(table);
  if (it == tables_.end()) return int64_t{0};
  Table& t = it->second;
  int64_t deleted = 0;
  auto pos = t.lower_bound(prefix);
  while (pos != t.end() && HasPrefix(pos->first, prefix)) {
    pos = t.erase(pos);
    deleted++;
  }
  return deleted;
}

StatusOr<std::map<std::string, std::string>> InMemoryStoreClient::GetAll(
    const std::string& table) {
  const Table* t = FindTable(table);
  return t == nullptr ? Table() : *t;
}

StatusOr<std::vector<std::string>> InMemoryStoreClient::Keys(const std::string& table,
                                                             const std::string& prefix) {
  std::vector<std::string> keys;
  const Table* t = FindTable(table);
  if (t == nullptr) return keys;
  for (auto pos = t->lower_bound(prefix); pos != t->end() && HasPrefix(pos->first, prefix);
       ++pos) {
    keys.push_back(pos->first);
  }
  return keys;
}

}  // namespace colony::gcs
