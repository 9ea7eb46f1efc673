#include "common/memcopy.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace colony {
namespace {

constexpr size_t kStreamThreshold = 1 << 20;   // below: memcpy is as good
constexpr size_t kThreadChunk = 32 << 20;      // at least this much per extra thread
constexpr unsigned kMaxThreads = 4;

__attribute__((target("avx2"))) void StreamCopy(uint8_t* dst, const uint8_t* src, size_t n) {
  size_t head = std::min<size_t>(n, (32 - (reinterpret_cast<uintptr_t>(dst) & 31)) & 31);
  std::memcpy(dst, src, head);
  dst += head;
  src += head;
  n -= head;
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i), a);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 32), b);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 64), c);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 96), d);
  }
  _mm_sfence();
  std::memcpy(dst + i, src + i, n - i);
}

void CopyOne(uint8_t* dst, const uint8_t* src, size_t n) {
  static const bool has_avx2 = __builtin_cpu_supports("avx2");
  if (has_avx2) {
    StreamCopy(dst, src, n);
  } else {
    std::memcpy(dst, src, n);
  }
}

}  // namespace

void CopyLarge(void* dst, const void* src, size_t size) {
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  if (size < kStreamThreshold) {
    std::memcpy(d, s, size);
    return;
  }
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = static_cast<unsigned>(
      std::min<size_t>({size / kThreadChunk + 1, cores, kMaxThreads}));
  size_t part = (size / threads + 63) & ~size_t{63};
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; t++) {
    size_t begin = t * part;
    if (begin >= size) break;
    size_t n = std::min(part, size - begin);
    helpers.emplace_back([=] { CopyOne(d + begin, s + begin, n); });
  }
  CopyOne(d, s, std::min(part, size));
  for (auto& helper : helpers) helper.join();
}

}  // namespace colony
