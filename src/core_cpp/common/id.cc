#include "common/id.h"

#include <mutex>
#include <random>

namespace colony {

std::string BytesToHex(const uint8_t* data, size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; i++) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string HexToBytes(const std::string& hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return "";
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); i++) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return "";
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

void FillRandom(uint8_t* data, size_t size) {
  static std::mutex mu;
  static std::mt19937_64 gen(std::random_device{}());
  std::lock_guard<std::mutex> lock(mu);
  for (size_t i = 0; i < size; i += 8) {
    uint64_t r = gen();
    std::memcpy(data + i, &r, std::min<size_t>(8, size - i));
  }
}

// FNV-1a followed by a murmur finaliser: cheap and well mixed for ID bytes.
uint64_t Hash64(const void* data, size_t size, uint64_t seed) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = 1469598103934665603ull ^ seed;
  for (size_t i = 0; i < size; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

JobID JobID::FromInt(uint32_t value) {
  JobID id;
  for (int i = 0; i < 4; i++) id.bytes_[i] = static_cast<uint8_t>(value >> (8 * (3 - i)));
  return id;
}

uint32_t JobID::ToInt() const {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | bytes_[i];
  return v;
}

ActorID ActorID::Of(const JobID& job_id, const std::string& unique_seed) {
  ActorID id;
  uint64_t h1 = Hash64(unique_seed.data(), unique_seed.size(), 1);
  uint64_t h2 = Hash64(unique_seed.data(), unique_seed.size(), 2);
  std::memcpy(id.bytes_.data(), &h1, 8);
  std::memcpy(id.bytes_.data() + 8, &h2, 4);
  std::memcpy(id.bytes_.data() + 12, job_id.data(), 4);
  return id;
}

JobID ActorID::job_id() const {
  JobID job;
  std::memcpy(job.mutable_data(), bytes_.data() + 12, 4);
  return job;
}

TaskID TaskID::ForDriver(const JobID& job_id) {
  TaskID id;
  FillRandom(id.bytes_.data(), 12);
  std::memcpy(id.bytes_.data() + 12, job_id.data(), 4);
  return id;
}

TaskID TaskID::ForNormalTask(const JobID& job_id, const TaskID& parent, uint64_t index) {
  uint8_t buf[kSize + 8];
  std::memcpy(buf, parent.data(), kSize);
  std::memcpy(buf + kSize, &index, 8);
  TaskID id;
  uint64_t h1 = Hash64(buf, sizeof(buf), 11);
  uint64_t h2 = Hash64(buf, sizeof(buf), 17);
  std::memcpy(id.bytes_.data(), &h1, 8);
  std::memcpy(id.bytes_.data() + 8, &h2, 4);
  std::memcpy(id.bytes_.data() + 12, job_id.data(), 4);
  return id;
}

JobID TaskID::job_id() const {
  JobID job;
  std::memcpy(job.mutable_data(), bytes_.data() + 12, 4);
  return job;
}

ObjectID ObjectID::ForReturn(const TaskID& task_id, uint32_t index) {
  ObjectID id;
  std::memcpy(id.bytes_.data(), task_id.data(), TaskID::kSize);
  std::memcpy(id.bytes_.data() + TaskID::kSize, &index, 4);
  return id;
}

ObjectID ObjectID::ForPut(const TaskID& task_id, uint32_t put_index) {
  return ForReturn(task_id, put_index | kPutFlag);
}

TaskID ObjectID::task_id() const {
  TaskID t;
  std::memcpy(t.mutable_data(), bytes_.data(), TaskID::kSize);
  return t;
}

uint32_t ObjectID::index() const {
  uint32_t v;
  std::memcpy(&v, bytes_.data() + TaskID::kSize, 4);
  return v;
}

}  // namespace colony
