#include "sync/compression.h"

#include <zstd.h>

#include <memory>

#include "sync/errors.h"
#include "sync/zstd_contexts.h"

namespace akari::sync {
namespace {

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

}  // namespace

ZSTD_CCtx* ThreadZstdCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadZstdDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

Result<Bytes> ZstdCompress(ByteSpan data, int level) {
  Bytes out(ZSTD_compressBound(data.size()));
  const std::size_t n = ZSTD_compressCCtx(ThreadZstdCCtx(), out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) {
    return MakeError(SyncErrc::kCompression, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Result<Bytes> ZstdDecompress(ByteSpan frame, std::size_t max_bytes) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return MakeError(SyncErrc::kCompression, "not a zstd frame with a recorded size");
  }
  if (size > max_bytes) {
    return MakeError(SyncErrc::kCompression, "compressed data claims " + std::to_string(size) +
                                                 " bytes, more than the " + std::to_string(max_bytes) + " allowed");
  }
  Bytes out(static_cast<std::size_t>(size));
  const std::size_t n = ZSTD_decompressDCtx(ThreadZstdDCtx(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != out.size()) {
    return MakeError(SyncErrc::kCompression,
                     std::string("zstd data is damaged: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size"));
  }
  return out;
}

}  // namespace akari::sync
