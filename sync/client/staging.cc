#include "sync/client/staging.h"

#include "base/file.h"
#include "crypto/hash.h"
#include "sync/errors.h"
#include "sync/publication/layout.h"
#include "sync/publication/object.h"

namespace akari::sync::client {

Result<Staging> Staging::Open(std::filesystem::path dir) {
  if (auto s = CreatePrivateDirectory(dir); !s) return MakeError(SyncErrc::kIo, s.error().message);
  return Staging(std::move(dir));
}

std::set<std::string> Staging::Present() const {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (publication::IsValidObjectHash(name) && e.is_regular_file(ec)) out.insert(name);
  }
  return out;
}

Status Staging::Fetch(PublicationSource& source, std::string_view region,
                      std::span<const publication::ObjectRef> objects,
                      const std::function<void(const FetchProgress&)>& progress,
                      const std::function<void(std::string_view)>& checkpoint) {
  const std::set<std::string> present = Present();
  FetchProgress p;
  for (const auto& o : objects) {
    if (present.contains(o.hash)) continue;
    ++p.objects_total;
    p.bytes_total += o.size;
  }
  if (progress) progress(p);
  for (const auto& o : objects) {
    if (present.contains(o.hash)) continue;
    const auto part = dir_ / (o.hash + ".part");
    auto on_bytes = [&](std::int64_t n) {
      p.bytes_done += n;
      if (progress) progress(p);
    };
    AKARI_TRY(source.FetchObject(publication::ObjectPath(region, o.hash), o.size, part, on_bytes));
    auto got = crypto::HashFile(part);
    if (!got) return MakeError(SyncErrc::kIo, got.error().message);
    if (got->bytes != o.size || ToHex(got->hash) != o.hash) {
      std::error_code ec;
      std::filesystem::remove(part, ec);
      return MakeError(SyncErrc::kObjectMismatch,
                       "object " + o.hash.substr(0, 16) + "… from " + source.Describe() +
                           " does not match the manifest's hash; the copy was tampered with or damaged. Nothing was "
                           "applied; sync again or use another copy");
    }
    std::error_code ec;
    std::filesystem::rename(part, dir_ / o.hash, ec);
    if (ec) return MakeError(SyncErrc::kIo, "cannot rename " + part.string() + ": " + ec.message());
    if (auto s = SyncDirectory(dir_); !s) return MakeError(SyncErrc::kIo, s.error().message);
    ++p.objects_done;
    if (progress) progress(p);
    if (checkpoint) checkpoint("object-fetched");
  }
  return {};
}

Status Staging::VerifyAll(std::span<const publication::ObjectRef> objects, const crypto::SecretBuffer& key) {
  for (const auto& o : objects) {
    if (auto s = publication::VerifyObjectFile(PathOf(o), o, key); !s) {
      std::error_code ec;
      std::filesystem::remove(PathOf(o), ec);
      return s;
    }
  }
  return {};
}

std::int64_t Staging::BytesHeld() const {
  std::int64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    if (e.is_regular_file(ec)) total += static_cast<std::int64_t>(e.file_size(ec));
  }
  return total;
}

void Staging::RemoveAllExcept(const std::set<std::string>& keep) {
  std::error_code ec;
  std::vector<std::filesystem::path> doomed;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    const std::string base = name.ends_with(".part") ? name.substr(0, name.size() - 5) : name;
    if (!keep.contains(base)) doomed.push_back(e.path());
  }
  for (const auto& p : doomed) std::filesystem::remove_all(p, ec);
}

}  // namespace akari::sync::client
