// The node keystore: the node's Ed25519 signing key, X25519 box key and the
// 32-byte database key, encrypted under one or more key slots.
//
// Layout (JSON, documented in docs/keystore.md): a random 32-byte master key
// encrypts the secret payload with XChaCha20-Poly1305; each slot wraps the
// master key under a key stretched from its passphrase with Argon2id, with its
// own salt and parameters. Adding or removing a slot rewrites only the small
// keystore file (atomically), never the database.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/result.h"
#include "crypto/argon2id.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"

namespace akari::crypto {

inline constexpr std::size_t kDatabaseKeyBytes = 32;
inline constexpr std::size_t kMinPassphraseBytes = 8;

struct KeySlotInfo {
  int id = 0;
  std::string label;        // e.g. "operator", "recovery (regional office)"
  std::string created_utc;  // RFC 3339
  Argon2idParams kdf;
};

// An unlocked keystore. Holds the secret keys in locked memory for as long as
// it lives. Threading: not synchronised; share read-only after unlocking.
class Keystore {
 public:
  // Creates a new keystore at `file` with fresh keys and one slot. Errors:
  // kInvalidArgument (passphrase shorter than kMinPassphraseBytes or bad
  // params), kIo (including when `file` already exists: it is never
  // overwritten).
  [[nodiscard]] static Result<Keystore> Create(const std::filesystem::path& file, const SecretBuffer& passphrase,
                                               std::string_view label, const Argon2idParams& params);

  // Opens `file` with any slot's passphrase. Errors: kKeystoreMissing,
  // kKeystoreCorrupt (the message names the file and what is wrong),
  // kWrongPassphrase (no slot opens). Never modifies the file.
  [[nodiscard]] static Result<Keystore> Unlock(const std::filesystem::path& file, const SecretBuffer& passphrase);

  // Lists slots without unlocking (labels and parameters are not secret).
  [[nodiscard]] static Result<std::vector<KeySlotInfo>> ListSlots(const std::filesystem::path& file);

  Keystore(Keystore&&) noexcept = default;
  Keystore& operator=(Keystore&&) noexcept = default;

  // Slot changes (AddSlot, RemoveSlot) hold an exclusive lock on
  // `<file>.lock`, waiting for another process's change to finish, and
  // apply themselves to the slots in the file as it is then, so that two
  // changes made at once (an add and a remove from two terminals) both
  // stand. Errors also: kKeystoreCorrupt when the file now holds another
  // node's keys (replaced since it was unlocked).

  // Adds a slot for `passphrase` and rewrites the file atomically. Returns
  // the new slot id: the lowest id no slot has. Errors: kInvalidArgument
  // (short passphrase, bad parameters, or the keystore already holds its
  // 32 slots; nothing is written then), kIo.
  [[nodiscard]] Result<int> AddSlot(const SecretBuffer& passphrase, std::string_view label,
                                    const Argon2idParams& params);

  // Removes slot `id` and rewrites the file atomically. Errors: kNoSuchSlot,
  // kLastSlot (the only slot is never removed), kIo.
  [[nodiscard]] Status RemoveSlot(int id);

  std::vector<KeySlotInfo> slots() const;
  int unlocked_slot() const { return unlocked_slot_; }
  const std::string& node_id() const { return node_id_; }
  const std::filesystem::path& file() const { return file_; }

  const SecretBuffer& signing_secret_key() const { return signing_secret_key_; }
  const SecretBuffer& box_secret_key() const { return box_secret_key_; }
  const SecretBuffer& database_key() const { return database_key_; }
  const Ed25519PublicKey& signing_public_key() const { return signing_public_key_; }
  const X25519PublicKey& box_public_key() const { return box_public_key_; }

 private:
  struct Slot {
    KeySlotInfo info;
    Bytes salt;
    Bytes nonce;
    Bytes wrapped_key;
  };
  struct Parsed;

  Keystore() = default;
  static Result<Parsed> Load(const std::filesystem::path& file);
  static Result<Keystore> FromParsed(Parsed parsed, const SecretBuffer& passphrase);
  Result<Slot> WrapMasterKey(int id, const SecretBuffer& passphrase, std::string_view label,
                             const Argon2idParams& params) const;
  Status Save() const;
  // Takes the change lock and rereads the slots from the file (see AddSlot).
  Result<FileLock> BeginSlotChange();

  std::filesystem::path file_;
  std::string node_id_;
  Ed25519PublicKey signing_public_key_{};
  X25519PublicKey box_public_key_{};
  Bytes payload_nonce_;
  Bytes payload_ciphertext_;
  std::vector<Slot> slots_;
  int unlocked_slot_ = 0;
  SecretBuffer master_key_;
  SecretBuffer signing_secret_key_;
  SecretBuffer box_secret_key_;
  SecretBuffer database_key_;
};

// Reads a passphrase (or PIN) file into locked memory, dropping one trailing
// "\n" or "\r\n". Errors: kIo (missing or unreadable, message names the
// file), kInvalidArgument (empty, or larger than 4 KiB).
[[nodiscard]] Result<SecretBuffer> ReadSecretFile(const std::filesystem::path& file);

}  // namespace akari::crypto
