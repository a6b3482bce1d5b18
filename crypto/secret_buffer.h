// SecretBuffer: the only place keys, PINs, passphrases and decrypted content
// keys may live. Memory comes from sodium_malloc: guarded, locked (mlock) and
// wiped when freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"

namespace akari::crypto {

// Move-only owner of one sodium_malloc allocation.
// Threading: like a std::vector; no internal synchronisation.
class SecretBuffer {
 public:
  // An empty buffer (size 0, no allocation).
  SecretBuffer() = default;

  // Allocates `size` zeroed bytes of locked memory. Errors: kOutOfMemory
  // (also when libsodium is not initialised, see EnsureSodium()).
  [[nodiscard]] static Result<SecretBuffer> Allocate(std::size_t size);

  // Copies `bytes` into a new buffer. The caller remains responsible for
  // wiping its own copy.
  [[nodiscard]] static Result<SecretBuffer> CopyOf(std::span<const std::uint8_t> bytes);

  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  ~SecretBuffer();

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<std::uint8_t> span() { return {data_, size_}; }
  std::span<const std::uint8_t> span() const { return {data_, size_}; }

  // The contents as characters (for passphrases and PINs). The view is only
  // valid while this buffer lives; never copy it into a std::string.
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // Shrinks the logical size (the tail stays wiped on free). `n` <= size().
  void Truncate(std::size_t n);

  // Constant-time equality.
  bool Equals(std::span<const std::uint8_t> other) const;

 private:
  SecretBuffer(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void Release();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace akari::crypto
