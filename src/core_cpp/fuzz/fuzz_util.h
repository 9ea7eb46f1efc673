// Helpers shared by the libFuzzer targets of this folder (scripts/fuzz.sh runs them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

namespace colony::fuzz {

// Reads the fuzz input front to back; past the end every read yields zeros / empty.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }
  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t U16() { return static_cast<uint16_t>(U8() | (U8() << 8)); }
  uint32_t U32() { return static_cast<uint32_t>(U16()) | (static_cast<uint32_t>(U16()) << 16); }
  uint64_t U64() { return static_cast<uint64_t>(U32()) | (static_cast<uint64_t>(U32()) << 32); }
  // Up to `n` bytes (fewer at the end of the input).
  std::string_view Bytes(size_t n) {
    n = std::min(n, remaining());
    std::string_view out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }
  // A length-prefixed (u16) chunk: how the targets split one input into several messages.
  std::string_view Chunk() { return Bytes(U16()); }
  std::string_view Rest() { return Bytes(remaining()); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Servers log every rejected input; the fuzzers would drown in it.
inline void QuietLogs() {
  setenv("COLONY_LOG_LEVEL", "error", 1);
  google::protobuf::SetLogHandler(nullptr);  // "invalid UTF-8" on every broken string field
}

}  // namespace colony::fuzz
