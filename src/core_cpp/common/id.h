// Fixed-size binary IDs. An object's ID embeds the ID of the task that returns it, so
// lineage can re-create it; a task's ID embeds its job's ID.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

namespace colony {

std::string BytesToHex(const uint8_t* data, size_t size);
// Empty string if `hex` is not valid hexadecimal of even length.
std::string HexToBytes(const std::string& hex);
void FillRandom(uint8_t* data, size_t size);
uint64_t Hash64(const void* data, size_t size, uint64_t seed);

template <typename Derived, size_t N>
class BaseID {
 public:
  static constexpr size_t kSize = N;

  BaseID() { bytes_.fill(0xff); }
  static Derived Nil() { return Derived(); }
  static Derived FromRandom() {
    Derived id;
    FillRandom(id.bytes_.data(), N);
    return id;
  }
  // Returns Nil for input of the wrong size; callers that care check IsValidBinary.
  static Derived FromBinary(const std::string& binary) {
    Derived id;
    if (binary.size() == N) std::memcpy(id.bytes_.data(), binary.data(), N);
    return id;
  }
  static bool IsValidBinary(const std::string& binary) { return binary.size() == N; }

  std::string Binary() const { return std::string(reinterpret_cast<const char*>(bytes_.data()), N); }
  std::string Hex() const { return BytesToHex(bytes_.data(), N); }
  bool IsNil() const {
    for (auto b : bytes_) if (b != 0xff) return false;
    return true;
  }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* mutable_data() { return bytes_.data(); }
  size_t Hash() const { return Hash64(bytes_.data(), N, 0); }

  bool operator==(const BaseID& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const BaseID& o) const { return bytes_ != o.bytes_; }
  bool operator<(const BaseID& o) const { return bytes_ < o.bytes_; }

 protected:
  std::array<uint8_t, N> bytes_;
};

class JobID : public BaseID<JobID, 4> {
 public:
  static JobID FromInt(uint32_t value);
  uint32_t ToInt() const;
};

class NodeID : public BaseID<NodeID, 16> {};
class WorkerID : public BaseID<WorkerID, 16> {};
class LeaseID : public BaseID<LeaseID, 16> {};

class ActorID : public BaseID<ActorID, 16> {
 public:
  // 12 unique bytes followed by the job ID.
  static ActorID Of(const JobID& job_id, const std::string& unique_seed);
  JobID job_id() const;
};

class TaskID : public BaseID<TaskID, 16> {
 public:
  // The driver's root task: random unique bytes + job.
  static TaskID ForDriver(const JobID& job_id);
  // Deterministic in (parent, index): a re-executed parent submits the same IDs.
  static TaskID ForNormalTask(const JobID& job_id, const TaskID& parent, uint64_t index);
  JobID job_id() const;
};

class ObjectID : public BaseID<ObjectID, 20> {
 public:
  static constexpr uint32_t kPutFlag = 0x80000000u;
  // Returns are indexed from 1; puts carry kPutFlag so the two never collide.
  static ObjectID ForReturn(const TaskID& task_id, uint32_t index);
  static ObjectID ForPut(const TaskID& task_id, uint32_t put_index);
  TaskID task_id() const;
  uint32_t index() const;
  bool IsPut() const { return (index() & kPutFlag) != 0; }
};

template <typename T>
struct IdHash {
  size_t operator()(const T& id) const { return id.Hash(); }
};

}  // namespace colony

namespace std {
template <> struct hash<colony::JobID> : colony::IdHash<colony::JobID> {};
template <> struct hash<colony::NodeID> : colony::IdHash<colony::NodeID> {};
template <> struct hash<colony::WorkerID> : colony::IdHash<colony::WorkerID> {};
template <> struct hash<colony::LeaseID> : colony::IdHash<colony::LeaseID> {};
template <> struct hash<colony::ActorID> : colony::IdHash<colony::ActorID> {};
template <> struct hash<colony::TaskID> : colony::IdHash<colony::TaskID> {};
template <> struct hash<colony::ObjectID> : colony::IdHash<colony::ObjectID> {};
}  // namespace std
