#include "tests/testing/zstd_file.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <memory>
#include <vector>

#include "base/file.h"

namespace akari::testing {

std::string UnzstdStream(ByteSpan compressed) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    const std::size_t rc = ZSTD_decompressStream(ctx.get(), &o, &in);
    EXPECT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), o.pos);
  }
  return out;
}

std::string ReadZstdFile(const std::filesystem::path& path) {
  auto bytes = ReadFileBytes(path);
  EXPECT_TRUE(bytes) << path;
  return bytes ? UnzstdStream(*bytes) : std::string();
}

}  // namespace akari::testing
