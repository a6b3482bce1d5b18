// Signed metadata envelopes (root and manifest files): canonical JSON,
// Ed25519 signatures, key ids and threshold verification, following TUF's
// rules (each key counts once; a threshold of distinct trusted keys).
//
// A file is {"signatures": [{"keyid": K, "sig": B64}, …], "signed": {…}}.
// A signature covers "akari-signed/1" || 0x00 || Canonical(signed), where
// Canonical is JSON with object keys sorted bytewise, no whitespace, and
// only integers, booleans, null, ASCII strings without '"', '\' or control
// characters, arrays and objects (so that any JSON library can reproduce it).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"

namespace akari::sync::publication {

// The canonical text of `value`. Error kInvalidArgument when `value` holds
// something outside the canonical subset (a float, a non-ASCII string …).
[[nodiscard]] Result<std::string> CanonicalJson(const nlohmann::json& value);

// Lower-case hex BLAKE2b-256 of the 32 public-key bytes.
std::string KeyIdOf(const crypto::Ed25519PublicKey& key);

struct Signature {
  std::string keyid;
  Bytes sig;  // 64 bytes
};

struct SignedDocument {
  nlohmann::json signed_part;  // the "signed" object
  std::vector<Signature> signatures;
};

// A set of keys and how many of them must sign.
struct KeyRole {
  std::vector<std::string> keyids;
  int threshold = 1;
};

// Key id -> public key, for the keys a verifier trusts.
using KeyMap = std::map<std::string, crypto::Ed25519PublicKey>;

// The bytes a signature covers.
[[nodiscard]] Result<Bytes> SigningMessage(const nlohmann::json& signed_part);

// Adds one signature by `secret_key` (64-byte libsodium form).
[[nodiscard]] Status AddSignature(SignedDocument& doc, const crypto::SecretBuffer& secret_key);

// The file text: {"signatures": […], "signed": {…}}, canonical.
[[nodiscard]] Result<std::string> SerializeSignedDocument(const SignedDocument& doc);

// Parses a file (at most `max_bytes`). Errors: kCorruptDocument when it is
// not JSON of the expected shape (the message names `what`).
[[nodiscard]] Result<SignedDocument> ParseSignedDocument(ByteSpan text, std::string_view what, std::size_t max_bytes);

// Checks that at least `role.threshold` distinct keys of `role`, found in
// `keys`, signed `doc`. Errors: kUnknownKey when no signature is by a key of
// the role; kBadSignature when signatures by role keys fail or are too few.
[[nodiscard]] Status VerifyThreshold(const SignedDocument& doc, const KeyRole& role, const KeyMap& keys,
                                     std::string_view what);

// BLAKE2b-256 (hex) of Canonical(signed): the fingerprint an enrollment
// token carries for the hub's root metadata.
[[nodiscard]] Result<std::string> FingerprintOf(const nlohmann::json& signed_part);

}  // namespace akari::sync::publication
