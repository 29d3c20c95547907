#ifndef CCRC32_H
#define CCRC32_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has carry-less multiplication (PCLMULQDQ) and SSE 4.1; 0 elsewhere.
int ccrc32_available(void);

/// zlib's CRC-32 of `length` bytes continuing from `crc` (zlib's convention: 0 to start), by
/// folding with carry-less multiplication. `length` must be a multiple of 16 and at least 64;
/// call only when `ccrc32_available()`.
uint32_t ccrc32_fold(uint32_t crc, const unsigned char *bytes, size_t length);

#endif
