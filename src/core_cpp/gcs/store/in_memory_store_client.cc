#include "gcs/store/in_memory_store_client.h"

namespace colony::gcs {
namespace {

bool HasPrefix(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

template <typename T>
void Complete(const StoreCallback<T>& done, T value) {
  if (done) done(StatusOr<T>(std::move(value)));
}

}  // namespace

const InMemoryStoreClient::Table* InMemoryStoreClient::FindTable(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? nullptr : &it->second;
}

void InMemoryStoreClient::AsyncPut(const std::string& table, const std::string& key,
                                   std::string value, bool overwrite, StoreCallback<bool> done) {
  auto [it, added] = tables_[table].try_emplace(key, value);
  if (!added && overwrite) it->second = std::move(value);
  Complete(done, added);
}

void InMemoryStoreClient::AsyncGet(const std::string& table, const std::string& key,
                                   StoreCallback<std::optional<std::string>> done) {
  std::optional<std::string> value;
  if (const Table* t = FindTable(table)) {
    auto it = t->find(key);
    if (it != t->end()) value = it->second;
  }
  Complete(done, std::move(value));
}

void InMemoryStoreClient::AsyncDelete(const std::string& table, const std::string& key,
                                      StoreCallback<bool> done) {
  auto it = tables_.find(table);
  Complete(done, it != tables_.end() && it->second.erase(key) > 0);
}

void InMemoryStoreClient::AsyncDeleteByPrefix(const std::string& table,
                                              const std::string& prefix,
                                              StoreCallback<int64_t> done) {
  int64_t deleted = 0;
  auto it = tables_.find(table);
  if (it != tables_.end()) {
    Table& t = it->second;
    auto pos = t.lower_bound(prefix);
    while (pos != t.end() && HasPrefix(pos->first, prefix)) {
      pos = t.erase(pos);
      deleted++;
    }
  }
  Complete(done, deleted);
}

void InMemoryStoreClient::AsyncGetAll(const std::string& table,
                                      StoreCallback<std::map<std::string, std::string>> done) {
  const Table* t = FindTable(table);
  Complete(done, t == nullptr ? Table() : *t);
}

void InMemoryStoreClient::AsyncKeys(const std::string& table, const std::string& prefix,
                                    StoreCallback<std::vector<std::string>> done) {
  std::vector<std::string> keys;
  if (const Table* t = FindTable(table)) {
    for (auto pos = t->lower_bound(prefix); pos != t->end() && HasPrefix(pos->first, prefix);
         ++pos) {
      keys.push_back(pos->first);
    }
  }
  Complete(done, std::move(keys));
}

}  // namespace colony::gcs
