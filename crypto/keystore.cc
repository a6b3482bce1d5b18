#include "crypto/keystore.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/errors.h"
#include "base/file.h"
#include "crypto/encoding.h"
#include "crypto/errors.h"
#include "crypto/sodium.h"

namespace akari::crypto {
namespace {

constexpr std::string_view kFormat = "akari-keystore";
constexpr int kVersion = 1;
constexpr std::size_t kMasterKeyBytes = 32;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kPayloadBytes = kEd25519SecretKeyBytes + kX25519SecretKeyBytes + kDatabaseKeyBytes;
constexpr std::size_t kMaxKeystoreBytes = 1 << 20;
constexpr std::size_t kMaxSlots = 32;
// Slot ids are 1..kMaxSlotId: Load refuses a file with any other.
constexpr std::uint64_t kMaxSlotId = 1000;

using nlohmann::json;

std::unexpected<Error> Corrupt(const std::filesystem::path& file, std::string_view what) {
  return MakeError(CryptoErrc::kKeystoreCorrupt,
                   "the keystore " + file.string() + " is damaged (" + std::string(what) +
                       "); restore it from a backup copy, without it this node's data cannot be opened");
}

// Typed field access that reports the field name instead of throwing.
class Reader {
 public:
  Reader(const json& j, const std::filesystem::path& file) : j_(j), file_(file) {}

  Result<std::string> String(std::string_view key) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_string()) return Corrupt(file_, "field '" + std::string(key) + "' missing");
    return it->get<std::string>();
  }
  Result<std::uint64_t> Unsigned(std::string_view key) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_number_unsigned()) {
      return Corrupt(file_, "field '" + std::string(key) + "' missing or not a number");
    }
    return it->get<std::uint64_t>();
  }
  Result<Bytes> Base64(std::string_view key, std::size_t expected_size) const {
    AKARI_ASSIGN_OR_RETURN(std::string text, String(key));
    auto bytes = Base64Decode(text);
    if (!bytes || (expected_size != 0 && bytes->size() != expected_size)) {
      return Corrupt(file_, "field '" + std::string(key) + "' has the wrong length");
    }
    return *bytes;
  }
  Result<Reader> Object(std::string_view key) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_object()) return Corrupt(file_, "field '" + std::string(key) + "' missing");
    return Reader(*it, file_);
  }

 private:
  const json& j_;
  const std::filesystem::path& file_;
};

template <std::size_t N>
Result<std::array<std::uint8_t, N>> ToArray(Result<Bytes> bytes) {
  if (!bytes) return std::unexpected(bytes.error());
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

void AppendU64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// Associated data binding a slot's wrapped key to this keystore, the slot id
// and its KDF parameters, so none can be swapped between files or slots.
Bytes SlotAd(std::string_view node_id, int slot_id, const Argon2idParams& kdf, ByteSpan salt) {
  Bytes ad = BytesOf("akari-keyslot/1");
  ad.insert(ad.end(), node_id.begin(), node_id.end());
  AppendU64(ad, static_cast<std::uint64_t>(slot_id));
  AppendU64(ad, kdf.ops_limit);
  AppendU64(ad, kdf.mem_limit_bytes);
  ad.insert(ad.end(), salt.begin(), salt.end());
  return ad;
}

Bytes PayloadAd(std::string_view node_id, const Ed25519PublicKey& sign_pk, const X25519PublicKey& box_pk) {
  Bytes ad = BytesOf("akari-keystore/1");
  ad.insert(ad.end(), node_id.begin(), node_id.end());
  ad.insert(ad.end(), sign_pk.begin(), sign_pk.end());
  ad.insert(ad.end(), box_pk.begin(), box_pk.end());
  return ad;
}

Status CheckPassphrase(const SecretBuffer& passphrase) {
  if (passphrase.size() < kMinPassphraseBytes) {
    return MakeError(CryptoErrc::kInvalidArgument, "the passphrase is too short: use at least " +
                                                       std::to_string(kMinPassphraseBytes) + " characters");
  }
  if (!Argon2idParamsValid({})) {
    return MakeError(CryptoErrc::kInvalidArgument, "Argon2id defaults invalid");
  }
  return {};
}

}  // namespace

struct Keystore::Parsed {
  std::string node_id;
  Ed25519PublicKey signing_public_key{};
  X25519PublicKey box_public_key{};
  Bytes payload_nonce;
  Bytes payload_ciphertext;
  std::vector<Slot> slots;
};

Result<Keystore> Keystore::Create(const std::filesystem::path& file, const SecretBuffer& passphrase,
                                  std::string_view label, const Argon2idParams& params) {
  AKARI_TRY(EnsureSodium());
  AKARI_TRY(CheckPassphrase(passphrase));
  if (!Argon2idParamsValid(params)) {
    return MakeError(CryptoErrc::kInvalidArgument, "Argon2id parameters out of range");
  }
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    return MakeError(CryptoErrc::kIo, "refusing to overwrite the existing keystore " + file.string());
  }
  Keystore ks;
  ks.file_ = file;
  std::array<std::uint8_t, 16> id{};
  RandomBytes(id);
  ks.node_id_ = ToHex(id);
  AKARI_ASSIGN_OR_RETURN(SigningKeyPair sign, GenerateSigningKeyPair());
  AKARI_ASSIGN_OR_RETURN(BoxKeyPair box, GenerateBoxKeyPair());
  ks.signing_public_key_ = sign.public_key;
  ks.box_public_key_ = box.public_key;
  ks.signing_secret_key_ = std::move(sign.secret_key);
  ks.box_secret_key_ = std::move(box.secret_key);
  AKARI_ASSIGN_OR_RETURN(ks.database_key_, SecretBuffer::Allocate(kDatabaseKeyBytes));
  RandomBytes(ks.database_key_.span());
  AKARI_ASSIGN_OR_RETURN(ks.master_key_, SecretBuffer::Allocate(kMasterKeyBytes));
  RandomBytes(ks.master_key_.span());

  AKARI_ASSIGN_OR_RETURN(SecretBuffer payload, SecretBuffer::Allocate(kPayloadBytes));
  std::memcpy(payload.data(), ks.signing_secret_key_.data(), kEd25519SecretKeyBytes);
  std::memcpy(payload.data() + kEd25519SecretKeyBytes, ks.box_secret_key_.data(), kX25519SecretKeyBytes);
  std::memcpy(payload.data() + kEd25519SecretKeyBytes + kX25519SecretKeyBytes, ks.database_key_.data(),
              kDatabaseKeyBytes);
  ks.payload_nonce_.resize(kNonceBytes);
  RandomBytes(ks.payload_nonce_);
  ks.payload_ciphertext_.resize(kPayloadBytes + kTagBytes);
  const Bytes ad = PayloadAd(ks.node_id_, ks.signing_public_key_, ks.box_public_key_);
  crypto_aead_xchacha20poly1305_ietf_encrypt(ks.payload_ciphertext_.data(), nullptr, payload.data(), payload.size(),
                                             ad.data(), ad.size(), nullptr, ks.payload_nonce_.data(),
                                             ks.master_key_.data());
  AKARI_ASSIGN_OR_RETURN(Slot slot, ks.WrapMasterKey(1, passphrase, label, params));
  ks.slots_.push_back(std::move(slot));
  ks.unlocked_slot_ = 1;
  AKARI_TRY(ks.Save());
  return ks;
}

Result<Keystore::Slot> Keystore::WrapMasterKey(int id, const SecretBuffer& passphrase, std::string_view label,
                                               const Argon2idParams& params) const {
  Slot slot;
  slot.info.id = id;
  slot.info.label = std::string(label);
  slot.info.created_utc = FormatUtc(SystemClock::Instance().Now());
  slot.info.kdf = params;
  slot.salt.resize(kArgon2idSaltBytes);
  RandomBytes(slot.salt);
  slot.nonce.resize(kNonceBytes);
  RandomBytes(slot.nonce);
  AKARI_ASSIGN_OR_RETURN(SecretBuffer kek, DeriveArgon2id(passphrase.span(), slot.salt, params));
  const Bytes ad = SlotAd(node_id_, id, params, slot.salt);
  slot.wrapped_key.resize(kMasterKeyBytes + kTagBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt(slot.wrapped_key.data(), nullptr, master_key_.data(), master_key_.size(),
                                             ad.data(), ad.size(), nullptr, slot.nonce.data(), kek.data());
  return slot;
}

Status Keystore::Save() const {
  json slots = json::array();
  for (const Slot& s : slots_) {
    slots.push_back({{"id", s.info.id},
                     {"label", s.info.label},
                     {"created", s.info.created_utc},
                     {"kdf",
                      {{"algorithm", "argon2id13"},
                       {"ops_limit", s.info.kdf.ops_limit},
                       {"mem_limit", s.info.kdf.mem_limit_bytes},
                       {"salt", Base64Encode(s.salt)}}},
                     {"nonce", Base64Encode(s.nonce)},
                     {"wrapped_key", Base64Encode(s.wrapped_key)}});
  }
  const json doc = {
      {"format", kFormat},
      {"version", kVersion},
      {"node_id", node_id_},
      {"signing_public_key", Base64Encode(signing_public_key_)},
      {"box_public_key", Base64Encode(box_public_key_)},
      {"payload", {{"nonce", Base64Encode(payload_nonce_)}, {"ciphertext", Base64Encode(payload_ciphertext_)}}},
      {"slots", slots}};
  const std::string text = doc.dump(2) + "\n";
  if (auto s = WriteFileAtomically(file_, AsBytes(text), 0600); !s) {
    return MakeError(CryptoErrc::kIo, s.error().message);
  }
  return {};
}

Result<Keystore::Parsed> Keystore::Load(const std::filesystem::path& file) {
  AKARI_TRY(EnsureSodium());
  auto bytes = ReadFileBytes(file, kMaxKeystoreBytes);
  if (!bytes) {
    if (bytes.error().code == BaseErrc::kNotFound) {
      return MakeError(CryptoErrc::kKeystoreMissing,
                       "no keystore at " + file.string() + ": is this the right --data directory?");
    }
    return MakeError(CryptoErrc::kIo, bytes.error().message);
  }
  const json doc = json::parse(bytes->begin(), bytes->end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Corrupt(file, "not valid JSON, probably truncated");
  const Reader r(doc, file);
  AKARI_ASSIGN_OR_RETURN(std::string format, r.String("format"));
  AKARI_ASSIGN_OR_RETURN(std::uint64_t version, r.Unsigned("version"));
  if (format != kFormat) return Corrupt(file, "not an Akari keystore");
  if (version != kVersion) {
    return MakeError(CryptoErrc::kKeystoreCorrupt, "the keystore " + file.string() + " has format version " +
                                                       std::to_string(version) +
                                                       ", which this program does not know; update Akari");
  }
  Parsed p;
  AKARI_ASSIGN_OR_RETURN(p.node_id, r.String("node_id"));
  AKARI_ASSIGN_OR_RETURN(p.signing_public_key, ToArray<32>(r.Base64("signing_public_key", 32)));
  AKARI_ASSIGN_OR_RETURN(p.box_public_key, ToArray<32>(r.Base64("box_public_key", 32)));
  AKARI_ASSIGN_OR_RETURN(Reader payload, r.Object("payload"));
  AKARI_ASSIGN_OR_RETURN(p.payload_nonce, payload.Base64("nonce", kNonceBytes));
  AKARI_ASSIGN_OR_RETURN(p.payload_ciphertext, payload.Base64("ciphertext", kPayloadBytes + kTagBytes));
  auto slots = doc.find("slots");
  if (slots == doc.end() || !slots->is_array() || slots->empty() || slots->size() > kMaxSlots) {
    return Corrupt(file, "no key slots");
  }
  for (const json& js : *slots) {
    if (!js.is_object()) return Corrupt(file, "a key slot is not an object");
    const Reader sr(js, file);
    Slot s;
    AKARI_ASSIGN_OR_RETURN(std::uint64_t id, sr.Unsigned("id"));
    if (id == 0 || id > kMaxSlotId) return Corrupt(file, "a key slot id is out of range");
    s.info.id = static_cast<int>(id);
    AKARI_ASSIGN_OR_RETURN(s.info.label, sr.String("label"));
    AKARI_ASSIGN_OR_RETURN(s.info.created_utc, sr.String("created"));
    AKARI_ASSIGN_OR_RETURN(Reader kdf, sr.Object("kdf"));
    AKARI_ASSIGN_OR_RETURN(std::string algorithm, kdf.String("algorithm"));
    if (algorithm != "argon2id13") return Corrupt(file, "unknown key derivation '" + algorithm + "'");
    AKARI_ASSIGN_OR_RETURN(s.info.kdf.ops_limit, kdf.Unsigned("ops_limit"));
    AKARI_ASSIGN_OR_RETURN(std::uint64_t mem, kdf.Unsigned("mem_limit"));
    s.info.kdf.mem_limit_bytes = static_cast<std::size_t>(mem);
    if (!Argon2idParamsValid(s.info.kdf)) return Corrupt(file, "key slot parameters out of range");
    AKARI_ASSIGN_OR_RETURN(s.salt, kdf.Base64("salt", kArgon2idSaltBytes));
    AKARI_ASSIGN_OR_RETURN(s.nonce, sr.Base64("nonce", kNonceBytes));
    AKARI_ASSIGN_OR_RETURN(s.wrapped_key, sr.Base64("wrapped_key", kMasterKeyBytes + kTagBytes));
    p.slots.push_back(std::move(s));
  }
  return p;
}

Result<Keystore> Keystore::FromParsed(Parsed p, const SecretBuffer& passphrase) {
  Keystore ks;
  ks.node_id_ = std::move(p.node_id);
  ks.signing_public_key_ = p.signing_public_key;
  ks.box_public_key_ = p.box_public_key;
  ks.payload_nonce_ = std::move(p.payload_nonce);
  ks.payload_ciphertext_ = std::move(p.payload_ciphertext);
  ks.slots_ = std::move(p.slots);
  AKARI_ASSIGN_OR_RETURN(ks.master_key_, SecretBuffer::Allocate(kMasterKeyBytes));
  for (const Slot& s : ks.slots_) {
    AKARI_ASSIGN_OR_RETURN(SecretBuffer kek, DeriveArgon2id(passphrase.span(), s.salt, s.info.kdf));
    const Bytes ad = SlotAd(ks.node_id_, s.info.id, s.info.kdf, s.salt);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(ks.master_key_.data(), nullptr, nullptr, s.wrapped_key.data(),
                                                   s.wrapped_key.size(), ad.data(), ad.size(), s.nonce.data(),
                                                   kek.data()) == 0) {
      ks.unlocked_slot_ = s.info.id;
      break;
    }
  }
  if (ks.unlocked_slot_ == 0) {
    return MakeError(CryptoErrc::kWrongPassphrase, "the passphrase does not open any of the " +
                                                       std::to_string(ks.slots_.size()) +
                                                       " key slot(s); check it, or use a recovery passphrase");
  }
  AKARI_ASSIGN_OR_RETURN(SecretBuffer payload, SecretBuffer::Allocate(kPayloadBytes));
  const Bytes ad = PayloadAd(ks.node_id_, ks.signing_public_key_, ks.box_public_key_);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(payload.data(), nullptr, nullptr, ks.payload_ciphertext_.data(),
                                                 ks.payload_ciphertext_.size(), ad.data(), ad.size(),
                                                 ks.payload_nonce_.data(), ks.master_key_.data()) != 0) {
    return MakeError(CryptoErrc::kKeystoreCorrupt, "the key payload could not be authenticated");
  }
  auto part = [&](std::size_t offset, std::size_t size) {
    return SecretBuffer::CopyOf(payload.span().subspan(offset, size));
  };
  AKARI_ASSIGN_OR_RETURN(ks.signing_secret_key_, part(0, kEd25519SecretKeyBytes));
  AKARI_ASSIGN_OR_RETURN(ks.box_secret_key_, part(kEd25519SecretKeyBytes, kX25519SecretKeyBytes));
  AKARI_ASSIGN_OR_RETURN(ks.database_key_, part(kEd25519SecretKeyBytes + kX25519SecretKeyBytes, kDatabaseKeyBytes));
  return ks;
}

Result<Keystore> Keystore::Unlock(const std::filesystem::path& file, const SecretBuffer& passphrase) {
  AKARI_ASSIGN_OR_RETURN(Parsed parsed, Load(file));
  auto ks = FromParsed(std::move(parsed), passphrase);
  if (!ks) {
    if (ks.error().code == CryptoErrc::kKeystoreCorrupt) return Corrupt(file, ks.error().message);
    return std::unexpected(ks.error());
  }
  ks->file_ = file;
  return ks;
}

Result<std::vector<KeySlotInfo>> Keystore::ListSlots(const std::filesystem::path& file) {
  AKARI_ASSIGN_OR_RETURN(Parsed parsed, Load(file));
  std::vector<KeySlotInfo> out;
  for (const Slot& s : parsed.slots) out.push_back(s.info);
  return out;
}

std::vector<KeySlotInfo> Keystore::slots() const {
  std::vector<KeySlotInfo> out;
  for (const Slot& s : slots_) out.push_back(s.info);
  return out;
}

Result<FileLock> Keystore::BeginSlotChange() {
  std::filesystem::path lock_path = file_;
  lock_path += ".lock";
  auto lock = FileLock::Acquire(lock_path);
  if (!lock) return MakeError(CryptoErrc::kIo, lock.error().message);
  AKARI_ASSIGN_OR_RETURN(Parsed now, Load(file_));
  if (now.node_id != node_id_ || now.payload_nonce != payload_nonce_ || now.payload_ciphertext != payload_ciphertext_) {
    return MakeError(CryptoErrc::kKeystoreCorrupt,
                     file_.string() +
                         " holds other keys than when it was unlocked (replaced or "
                         "restored meanwhile); nothing was changed: run the command again");
  }
  // Every slot wraps the same master key (checked above through the
  // payload), so the slots another process wrote are as good as ours.
  slots_ = std::move(now.slots);
  return std::move(*lock);
}

Result<int> Keystore::AddSlot(const SecretBuffer& passphrase, std::string_view label, const Argon2idParams& params) {
  AKARI_TRY(CheckPassphrase(passphrase));
  AKARI_ASSIGN_OR_RETURN(FileLock lock, BeginSlotChange());
  if (slots_.size() >= kMaxSlots) {
    return MakeError(CryptoErrc::kInvalidArgument,
                     "the keystore already has " + std::to_string(kMaxSlots) +
                         " key slots, the most it can hold; nothing was changed: remove a slot that is no longer "
                         "needed (`akari keyslot list`, `akari keyslot remove`), then add this one");
  }
  // The lowest free id, not the highest + 1: after enough add/remove
  // rotations that would pass kMaxSlotId, and Load would then refuse the
  // file, leaving a node no passphrase can unlock. With at most kMaxSlots
  // slots a free id <= kMaxSlots always exists.
  static_assert(kMaxSlots < kMaxSlotId);
  int id = 1;
  while (std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.info.id == id; })) ++id;
  AKARI_ASSIGN_OR_RETURN(Slot slot, WrapMasterKey(id, passphrase, label, params));
  slots_.push_back(std::move(slot));
  if (auto s = Save(); !s) {
    slots_.pop_back();
    return std::unexpected(s.error());
  }
  return id;
}

Status Keystore::RemoveSlot(int id) {
  AKARI_ASSIGN_OR_RETURN(FileLock lock, BeginSlotChange());
  auto it = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.info.id == id; });
  if (it == slots_.end()) {
    return MakeError(CryptoErrc::kNoSuchSlot,
                     "there is no key slot " + std::to_string(id) + "; `akari keyslot list` shows the slots");
  }
  if (slots_.size() == 1) {
    return MakeError(CryptoErrc::kLastSlot,
                     "slot " + std::to_string(id) +
                         " is the only key slot; add another passphrase first, or the node could never be "
                         "unlocked again");
  }
  Slot removed = std::move(*it);
  const auto pos = slots_.erase(it);
  if (auto s = Save(); !s) {
    slots_.insert(pos, std::move(removed));
    return std::unexpected(s.error());
  }
  return {};
}

Result<SecretBuffer> ReadSecretFile(const std::filesystem::path& file) {
  constexpr std::size_t kMax = 4096;
  // Allocated before the file is opened, so that no return leaves it open.
  AKARI_ASSIGN_OR_RETURN(SecretBuffer buf, SecretBuffer::Allocate(kMax + 1));
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(CryptoErrc::kIo, "cannot open " + file.string() + ": " + std::strerror(errno));
  }
  std::size_t len = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return MakeError(CryptoErrc::kIo, "cannot read " + file.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
    if (len > kMax) {
      ::close(fd);
      return MakeError(CryptoErrc::kInvalidArgument, file.string() + " is too large for a passphrase");
    }
  }
  ::close(fd);
  // One line ending, "\n" or "\r\n"; a lone "\r" is part of the secret.
  if (len > 0 && buf.data()[len - 1] == '\n') {
    --len;
    if (len > 0 && buf.data()[len - 1] == '\r') --len;
  }
  if (len == 0) return MakeError(CryptoErrc::kInvalidArgument, file.string() + " is empty");
  buf.Truncate(len);
  return buf;
}

}  // namespace akari::crypto
