#include "crypto/hash.h"

#include <sodium.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/errors.h"
#include "crypto/sodium.h"

namespace akari::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384);

Hash32 Blake2b256(ByteSpan data) {
  (void)EnsureSodium();
  Hash32 out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Hash16 Blake2b128(ByteSpan data, ByteSpan key) {
  (void)EnsureSodium();
  Hash16 out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), key.empty() ? nullptr : key.data(), key.size());
  return out;
}

Blake2b256Hasher::Blake2b256Hasher() {
  (void)EnsureSodium();
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, 32);
}

void Blake2b256Hasher::Update(ByteSpan data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(), data.size());
}

Hash32 Blake2b256Hasher::Finish() {
  Hash32 out{};
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), out.data(), out.size());
  return out;
}

Result<FileDigest> HashFile(const std::filesystem::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) return MakeError(BaseErrc::kIo, "cannot read " + file.string() + ": " + std::strerror(errno));
  Blake2b256Hasher h;
  Bytes buf(1 << 20);
  FileDigest out;
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    h.Update(ByteSpan(buf.data(), n));
    out.bytes += static_cast<std::int64_t>(n);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return MakeError(BaseErrc::kIo, "cannot read " + file.string());
  out.hash = h.Finish();
  return out;
}

}  // namespace akari::crypto
