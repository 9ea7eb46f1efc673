#include "object_store/protocol.h"

#include <cstring>

namespace colony::plasma {

std::string EncodeFrame(MessageType type, uint64_t request_id, const std::string& body) {
  Encoder e;
  e.U32(static_cast<uint32_t>(body.size()));
  e.Bytes(&type, sizeof(type));
  uint16_t reserved = 0;
  e.Bytes(&reserved, sizeof(reserved));
  e.U64(request_id);
  e.Bytes(body.data(), body.size());
  return e.Take();
}

StatusOr<bool> FrameBuffer::Next(Frame* frame) {
  size_t available = buffer_.size() - consumed_;
  if (available < kFrameHeaderSize) return false;
  const char* head = buffer_.data() + consumed_;
  uint32_t body_size;
  uint16_t type;
  std::memcpy(&body_size, head, 4);
  std::memcpy(&type, head + 4, 2);
  if (body_size > kMaxFrameBody) return Status::InvalidArgument("frame body too large");
  if (type == 0 || type > kMaxMessageType) return Status::InvalidArgument("unknown message type");
  if (available < kFrameHeaderSize + body_size) return false;
  frame->type = static_cast<MessageType>(type);
  std::memcpy(&frame->request_id, head + 8, 8);
  frame->body.assign(head + kFrameHeaderSize, body_size);
  consumed_ += kFrameHeaderSize + body_size;
  // Compact lazily: only once the consumed prefix dominates the buffer.
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ > 65536 && consumed_ * 2 > buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return true;
}

bool Decoder::Bytes(void* out, size_t size) {
  if (in_.size() - pos_ < size) return false;
  std::memcpy(out, in_.data() + pos_, size);
  pos_ += size;
  return true;
}

bool Decoder::Str(std::string* out, size_t size) {
  if (in_.size() - pos_ < size) return false;
  out->assign(in_.data() + pos_, size);
  pos_ += size;
  return true;
}

void Write(Encoder& e, uint64_t v) { e.U64(v); }
bool Read(Decoder& d, uint64_t* v) { return d.U64(v); }

void Write(Encoder& e, bool v) { e.U8(v ? 1 : 0); }
bool Read(Decoder& d, bool* v) {
  uint8_t b;
  if (!d.U8(&b) || b > 1) return false;
  *v = b == 1;
  return true;
}

void Write(Encoder& e, const Status& v) {
  e.U8(static_cast<uint8_t>(v.code()));
  e.U32(static_cast<uint32_t>(v.message().size()));
  e.Bytes(v.message().data(), v.message().size());
}

bool Read(Decoder& d, Status* v) {
  uint8_t code;
  uint32_t size;
  std::string message;
  // The store only sends codes up to kObjectStoreFull; anything else is corruption.
  if (!d.U8(&code) || code > static_cast<uint8_t>(StatusCode::kObjectStoreFull)) return false;
  if (!d.U32(&size) || !d.Str(&message, size)) return false;
  *v = Status(static_cast<StatusCode>(code), std::move(message));
  return true;
}

void Write(Encoder& e, const ObjectID& v) { e.Bytes(v.data(), ObjectID::kSize); }
bool Read(Decoder& d, ObjectID* v) { return d.Bytes(v->mutable_data(), ObjectID::kSize); }

void Write(Encoder& e, const ObjectLocation& v) {
  e.U64(v.offset);
  e.U64(v.data_size);
  e.U64(v.metadata_size);
}

bool Read(Decoder& d, ObjectLocation* v) {
  return d.U64(&v->offset) && d.U64(&v->data_size) && d.U64(&v->metadata_size);
}

void Write(Encoder& e, const StoreStats& v) {
  for (uint64_t field : {v.capacity, v.used_bytes, v.largest_free_block, v.num_objects,
                         v.num_spilled, v.spilled_bytes, v.num_clients, v.total_evicted,
                         v.total_spilled, v.total_restored}) {
    e.U64(field);
  }
}

bool Read(Decoder& d, StoreStats* v) {
  for (uint64_t* field : {&v->capacity, &v->used_bytes, &v->largest_free_block, &v->num_objects,
                          &v->num_spilled, &v->spilled_bytes, &v->num_clients, &v->total_evicted,
                          &v->total_spilled, &v->total_restored}) {
    if (!d.U64(field)) return false;
  }
  return true;
}

void Write(Encoder& e, const CreateRequest& v) {
  Write(e, v.id);
  e.U64(v.data_size);
  e.U64(v.metadata_size);
}

bool Read(Decoder& d, CreateRequest* v) {
  return Read(d, &v->id) && d.U64(&v->data_size) && d.U64(&v->metadata_size);
}

void Write(Encoder& e, const std::string& v) {
  e.U32(static_cast<uint32_t>(v.size()));
  e.Bytes(v.data(), v.size());
}

bool Read(Decoder& d, std::string* v) {
  uint32_t size;
  return d.U32(&size) && d.Str(v, size);
}

void Write(Encoder& e, const SealAndPinRequest& v) {
  Write(e, v.id);
  Write(e, v.owner);
}

bool Read(Decoder& d, SealAndPinRequest* v) { return Read(d, &v->id) && Read(d, &v->owner); }

void Write(Encoder& e, const GetRequest& v) {
  e.U64(static_cast<uint64_t>(v.timeout_ms));
  e.U32(static_cast<uint32_t>(v.ids.size()));
  for (const ObjectID& id : v.ids) Write(e, id);
}

bool Read(Decoder& d, GetRequest* v) {
  uint64_t timeout;
  uint32_t count;
  if (!d.U64(&timeout) || !d.U32(&count) || count > kMaxIdsPerGet) return false;
  v->timeout_ms = static_cast<int64_t>(timeout);
  v->ids.resize(count);
  for (ObjectID& id : v->ids) {
    if (!Read(d, &id)) return false;
  }
  return true;
}

void Write(Encoder& e, const std::vector<GetEntry>& v) {
  e.U32(static_cast<uint32_t>(v.size()));
  for (const GetEntry& entry : v) {
    Write(e, entry.status);
    if (entry.status.ok()) Write(e, entry.location);
  }
}

bool Read(Decoder& d, std::vector<GetEntry>* v) {
  uint32_t count;
  if (!d.U32(&count) || count > kMaxIdsPerGet) return false;
  v->resize(count);
  for (GetEntry& entry : *v) {
    if (!Read(d, &entry.status)) return false;
    if (entry.status.ok() && !Read(d, &entry.location)) return false;
  }
  return true;
}

Status MalformedReply() { return Status::IOError("malformed reply from the object store"); }

Status DecodeStatusReply(const std::string& body) {
  Status status;
  if (!DecodeMessage(body, &status)) return MalformedReply();
  return status;
}

}  // namespace colony::plasma
