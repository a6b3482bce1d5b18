// The node's download area (DIR/staging/<region>/), outside the store:
// objects arrive as <hash>.part (resumed after an interruption), and once
// their size and hash match they are renamed to <hash> and fsynced, so a
// restarted sync finds them and fetches nothing twice. Only encrypted
// objects ever reach this directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <string>

#include "base/result.h"
#include "crypto/secret_buffer.h"
#include "sync/client/source.h"
#include "sync/publication/manifest.h"

namespace akari::sync::client {

struct FetchProgress {
  std::int64_t bytes_done = 0;   // fetched in this run
  std::int64_t bytes_total = 0;  // to fetch in this run
  int objects_done = 0;
  int objects_total = 0;
};

class Staging {
 public:
  // Uses (and creates, mode 0700) `dir`.
  [[nodiscard]] static Result<Staging> Open(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }

  // Hashes of complete, hash-checked objects present.
  std::set<std::string> Present() const;

  // The file of a present object.
  std::filesystem::path PathOf(const publication::ObjectRef& ref) const { return dir_ / ref.hash; }

  // Downloads every object not present, checking size and hash; a
  // mismatching download is deleted. `checkpoint` is called with
  // "object-fetched" after each object is complete (tests stop the process
  // there). Errors: source errors, kObjectMismatch, kIo.
  [[nodiscard]] Status Fetch(PublicationSource& source, std::string_view region,
                             std::span<const publication::ObjectRef> objects,
                             const std::function<void(const FetchProgress&)>& progress,
                             const std::function<void(std::string_view)>& checkpoint);

  // Checks every object's size, hash and authentication under `key`
  // before anything is applied; a failing object is deleted (so the next
  // sync fetches it anew). Error: kObjectMismatch.
  [[nodiscard]] Status VerifyAll(std::span<const publication::ObjectRef> objects, const crypto::SecretBuffer& key);

  // Bytes of every file in the area, partial downloads included.
  std::int64_t BytesHeld() const;

  // Removes everything but the objects in `keep`.
  void RemoveAllExcept(const std::set<std::string>& keep);

 private:
  explicit Staging(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace akari::sync::client
