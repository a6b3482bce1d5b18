#include "crypto/secret_buffer.h"

#include <sodium.h>

#include <cstring>
#include <utility>

#include "crypto/errors.h"
#include "crypto/sodium.h"

namespace akari::crypto {

Result<SecretBuffer> SecretBuffer::Allocate(std::size_t size) {
  AKARI_TRY(EnsureSodium());
  if (size == 0) return SecretBuffer();
  void* p = sodium_malloc(size);
  if (p == nullptr) {
    return MakeError(CryptoErrc::kOutOfMemory,
                     "cannot allocate " + std::to_string(size) + " bytes of locked memory for a secret");
  }
  sodium_memzero(p, size);
  return SecretBuffer(static_cast<std::uint8_t*>(p), size);
}

Result<SecretBuffer> SecretBuffer::CopyOf(std::span<const std::uint8_t> bytes) {
  AKARI_ASSIGN_OR_RETURN(SecretBuffer out, Allocate(bytes.size()));
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBuffer::~SecretBuffer() {
  Release();
}

void SecretBuffer::Release() {
  // sodium_free wipes the whole allocation before unmapping it.
  if (data_ != nullptr) sodium_free(data_);
  data_ = nullptr;
  size_ = 0;
}

void SecretBuffer::Truncate(std::size_t n) {
  if (n >= size_) return;
  sodium_memzero(data_ + n, size_ - n);
  size_ = n;
}

bool SecretBuffer::Equals(std::span<const std::uint8_t> other) const {
  if (other.size() != size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data(), size_) == 0;
}

}  // namespace akari::crypto
