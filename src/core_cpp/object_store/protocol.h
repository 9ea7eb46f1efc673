// The store's wire protocol over a Unix stream socket. Every message is a frame:
//   u32 body_size | u16 type | u16 reserved (0) | u64 request_id | body
// little-endian (both ends share one host). A reply carries its request's type and id, so
// replies may come out of order (a waiting Get never blocks later requests). Every reply
// body starts with a Status (u8 code, u32 length, message); payload follows only if OK.
// The Connect reply also carries the shared-memory fd as SCM_RIGHTS ancillary data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "object_store/plasma_types.h"

namespace colony::plasma {

enum class MessageType : uint16_t {
  kConnect = 1,  // -> u64 mapped region size, with the region fd attached
  kCreate,       // CreateRequest -> ObjectLocation
  kSeal,         // id -> status
  kAbort,        // id -> status
  kGet,          // GetRequest -> GetEntry per id
  kRelease,      // id -> status
  kDelete,       // id -> status
  kContains,     // id -> bool
  kPin,          // id -> status
  kUnpin,        // id -> status
  kStats,        // -> StoreStats
  kSealAndPin,   // SealAndPinRequest -> status
  kDeleteOwnedBy,  // owner worker id -> u64 objects deleted
};
constexpr uint16_t kMaxMessageType = static_cast<uint16_t>(MessageType::kDeleteOwnedBy);

constexpr size_t kFrameHeaderSize = 16;
constexpr uint32_t kMaxFrameBody = 64u << 20;
// Keeps a Get's request and reply (per-id error messages included) far below
// kMaxFrameBody; callers batch larger sets.
constexpr uint32_t kMaxIdsPerGet = 1u << 16;

struct Frame {
  MessageType type = MessageType::kConnect;
  uint64_t request_id = 0;
  std::string body;
};

struct CreateRequest {
  ObjectID id;
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
};

struct SealAndPinRequest {
  ObjectID id;
  std::string owner;  // worker id bytes
};

// Longer Get timeouts are refused (the deadline arithmetic would overflow): wait forever.
constexpr int64_t kMaxGetTimeoutMs = 365LL * 24 * 3600 * 1000;

struct GetRequest {
  int64_t timeout_ms = 0;  // -1 waits forever, 0 returns at once, else up to kMaxGetTimeoutMs
  std::vector<ObjectID> ids;
};

// One Get result: OK with a location (the client now holds a reference), or why not.
struct GetEntry {
  Status status;
  ObjectLocation location;
};

std::string EncodeFrame(MessageType type, uint64_t request_id, const std::string& body);

// Reassembles frames from a byte stream.
class FrameBuffer {
 public:
  void Append(const char* data, size_t size) { buffer_.append(data, size); }
  // true and fills `frame` when a whole frame is buffered; false if more bytes are needed;
  // an error if the stream is malformed (the connection should be dropped).
  StatusOr<bool> Next(Frame* frame);

 private:
  std::string buffer_;
  size_t consumed_ = 0;
};

class Encoder {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Bytes(&v, sizeof(v)); }
  void U64(uint64_t v) { Bytes(&v, sizeof(v)); }
  void Bytes(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(const std::string& in) : in_(in) {}
  bool U8(uint8_t* v) { return Bytes(v, sizeof(*v)); }
  bool U32(uint32_t* v) { return Bytes(v, sizeof(*v)); }
  bool U64(uint64_t* v) { return Bytes(v, sizeof(*v)); }
  bool Bytes(void* out, size_t size);
  bool Str(std::string* out, size_t size);
  bool done() const { return pos_ == in_.size(); }

 private:
  const std::string& in_;
  size_t pos_ = 0;
};

// Codecs for each value that crosses the wire.
void Write(Encoder& e, uint64_t v);
bool Read(Decoder& d, uint64_t* v);
void Write(Encoder& e, bool v);
bool Read(Decoder& d, bool* v);
void Write(Encoder& e, const Status& v);
bool Read(Decoder& d, Status* v);
void Write(Encoder& e, const ObjectID& v);
bool Read(Decoder& d, ObjectID* v);
void Write(Encoder& e, const ObjectLocation& v);
bool Read(Decoder& d, ObjectLocation* v);
void Write(Encoder& e, const StoreStats& v);
bool Read(Decoder& d, StoreStats* v);
void Write(Encoder& e, const CreateRequest& v);
bool Read(Decoder& d, CreateRequest* v);
void Write(Encoder& e, const SealAndPinRequest& v);
bool Read(Decoder& d, SealAndPinRequest* v);
void Write(Encoder& e, const std::string& v);
bool Read(Decoder& d, std::string* v);
void Write(Encoder& e, const GetRequest& v);
bool Read(Decoder& d, GetRequest* v);
void Write(Encoder& e, const std::vector<GetEntry>& v);
bool Read(Decoder& d, std::vector<GetEntry>* v);

template <typename T>
std::string EncodeMessage(const T& value) {
  Encoder e;
  Write(e, value);
  return e.Take();
}

template <typename T>
bool DecodeMessage(const std::string& body, T* value) {
  Decoder d(body);
  return Read(d, value) && d.done();
}

template <typename T>
std::string EncodeReply(const StatusOr<T>& reply) {
  Encoder e;
  Write(e, reply.status());
  if (reply.ok()) Write(e, reply.value());
  return e.Take();
}

inline std::string EncodeReply(const Status& status) { return EncodeMessage(status); }

Status MalformedReply();

template <typename T>
StatusOr<T> DecodeReply(const std::string& body) {
  Decoder d(body);
  Status status;
  if (!Read(d, &status)) return MalformedReply();
  if (!status.ok()) return status;
  T value{};
  if (!Read(d, &value) || !d.done()) return MalformedReply();
  return value;
}

Status DecodeStatusReply(const std::string& body);

}  // namespace colony::plasma
