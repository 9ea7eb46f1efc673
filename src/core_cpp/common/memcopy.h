// Copies for large values into shared memory. glibc's memcpy slows down several-fold when
// source and destination differ in alignment modulo 64 (rep movsb), which is the common
// case for a numpy array written into an object; non-temporal AVX2 stores do not care, and
// skip reading the destination into the cache. Big copies are split across threads.
#pragma once

#include <cstddef>

namespace colony {

void CopyLarge(void* dst, const void* src, size_t size);

}  // namespace colony
