// The object store's socket protocol (object_store/protocol.*) and its server
// (object_store/plasma_store.*):
//  1. FrameBuffer over the input split into arbitrary reads, every frame decoded as each
//     request type (and as each reply type, as a client does), with encode/decode round
//     trips checked;
//  2. a fresh in-process store per input (1 MiB, spilling to a temporary folder): the
//     input becomes a sequence of requests on a real connection, mostly well-framed with
//     fields from the input (a few object ids, any sizes and timeouts, raw bodies), then a
//     Stats request whose reply (or the store closing the connection) ends the input.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "object_store/plasma_store.h"
#include "object_store/protocol.h"
#include "object_store/unix_socket.h"

namespace colony::fuzz {
namespace {

using namespace colony::plasma;

template <typename T>
void CheckRoundTrip(const std::string& body) {
  T value;
  if (!DecodeMessage(body, &value)) return;
  std::string again = EncodeMessage(value);
  T twice;
  if (!DecodeMessage(again, &twice) || EncodeMessage(twice) != again) abort();
}

template <typename T>
void DecodeAsReply(const std::string& body) {
  StatusOr<T> reply = DecodeReply<T>(body);
  (void)reply;
}

void DecodeFrames(const uint8_t* data, size_t size) {
  Input in(data, size);
  FrameBuffer buffer;
  while (!in.empty()) {
    std::string_view read = in.Bytes(1 + in.U8() * 8);
    buffer.Append(read.data(), read.size());
    Frame frame;
    while (true) {
      StatusOr<bool> next = buffer.Next(&frame);
      if (!next.ok()) return;  // the store drops the connection
      if (!*next) break;
      if (frame.body.size() > kMaxFrameBody) abort();
      CheckRoundTrip<CreateRequest>(frame.body);
      CheckRoundTrip<SealAndPinRequest>(frame.body);
      CheckRoundTrip<GetRequest>(frame.body);
      CheckRoundTrip<ObjectID>(frame.body);
      CheckRoundTrip<std::string>(frame.body);
      CheckRoundTrip<Status>(frame.body);
      DecodeAsReply<ObjectLocation>(frame.body);
      DecodeAsReply<std::vector<GetEntry>>(frame.body);
      DecodeAsReply<StoreStats>(frame.body);
      DecodeAsReply<uint64_t>(frame.body);
      DecodeAsReply<bool>(frame.body);
      (void)DecodeStatusReply(frame.body);
    }
  }
}

std::string Dir() {
  static std::string dir = [] {
    char path[] = "/tmp/colony-fuzz-store-XXXXXX";
    if (mkdtemp(path) == nullptr) abort();
    return std::string(path);
  }();
  return dir;
}

ObjectID IdFrom(Input& in) {
  ObjectID id;
  std::memset(id.mutable_data(), 'a' + (in.U8() & 3), ObjectID::kSize);  // a few ids, so requests meet
  return id;
}

uint64_t SizeFrom(Input& in) {
  switch (in.U8() & 3) {
    case 0: return in.U8();
    case 1: return in.U32() & 0x1fffff;  // around the 1 MiB capacity
    case 2: return in.U64();             // anything, overflows included
    default: return UINT64_MAX - in.U8();
  }
}

// One request body for `type`, from the input.
std::string BodyFrom(Input& in, uint16_t type) {
  if (in.U8() % 8 == 0) return std::string(in.Chunk());  // raw bytes
  switch (static_cast<MessageType>(type)) {
    case MessageType::kCreate:
      return EncodeMessage(CreateRequest{IdFrom(in), SizeFrom(in), SizeFrom(in)});
    case MessageType::kGet: {
      GetRequest get;
      uint8_t t = in.U8();
      get.timeout_ms = t < 64 ? 0 : t < 128 ? -1 : t < 192 ? static_cast<int64_t>(t) : static_cast<int64_t>(in.U64());
      size_t n = in.U8() % 8;
      for (size_t i = 0; i < n; ++i) get.ids.push_back(IdFrom(in));
      return EncodeMessage(get);
    }
    case MessageType::kSealAndPin:
      return EncodeMessage(SealAndPinRequest{IdFrom(in), std::string(in.Bytes(in.U8() % 4))});
    case MessageType::kDeleteOwnedBy: return EncodeMessage(std::string(in.Bytes(in.U8() % 4)));
    case MessageType::kConnect:
    case MessageType::kStats: return "";
    default: return EncodeMessage(IdFrom(in));
  }
}

void DriveStore(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t flags = in.U8();
  PlasmaStoreOptions options;
  options.socket_path = Dir() + "/plasma.sock";
  options.capacity_bytes = 1 << 20;
  if (flags & 2) options.spill_directory = Dir() + "/spill";
  PlasmaStore store(options);
  if (!store.Start().ok()) abort();
  auto fd = ConnectUnix(options.socket_path);
  if (!fd.ok()) abort();
  std::string out;
  uint64_t request_id = 0;
  if (flags & 1) out += EncodeFrame(MessageType::kConnect, ++request_id, "");
  while (!in.empty() && out.size() < 60000) {
    uint8_t op = in.U8();
    if (op == 0xff) {  // a raw, possibly broken, frame
      out.append(in.Chunk());
      continue;
    }
    uint16_t type = 1 + op % kMaxMessageType;
    out += EncodeFrame(static_cast<MessageType>(type), ++request_id, BodyFrom(in, type));
  }
  uint64_t stats_id = ++request_id;
  out += EncodeFrame(MessageType::kStats, stats_id, "");
  // Writing everything before reading is safe: the store queues what the socket does not
  // take and keeps reading.
  // Then EOF: a last frame that announced more bytes than were sent (the store rightly
  // waits for them) ends with the connection instead of hanging the input.
  if (SendAll(fd->get(), out.data(), out.size()).ok() && shutdown(fd->get(), SHUT_WR) == 0) {
    FrameBuffer replies;
    std::vector<char> chunk(1 << 16);
    bool done = false;
    while (!done) {
      UniqueFd passed;
      auto n = RecvWithFd(fd->get(), chunk.data(), chunk.size(), &passed);
      if (!n.ok() || *n == 0) break;  // the store dropped the connection
      replies.Append(chunk.data(), *n);
      Frame frame;
      while (true) {
        auto next = replies.Next(&frame);
        if (!next.ok()) abort();  // the store sent a broken frame
        if (!*next) break;
        if (frame.type == MessageType::kStats && frame.request_id == stats_id) done = true;
      }
    }
  }
  fd->Reset();
  store.Stop();
}

}  // namespace
}  // namespace colony::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  colony::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  colony::fuzz::DecodeFrames(data, size);
  colony::fuzz::DriveStore(data, size);
  return 0;
}
