#include "sync/publication/signed.h"

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "sync/errors.h"

namespace akari::sync::publication {
namespace {

constexpr std::string_view kSignatureDomain = "akari-signed/1";

bool WriteCanonical(const nlohmann::json& v, std::string& out) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return true;
    case nlohmann::json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return true;
    case nlohmann::json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return true;
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return false;
      out += std::to_string(u);
      return true;
    }
    case nlohmann::json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      for (char c : s) {
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
      }
      out += '"';
      out += s;
      out += '"';
      return true;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        if (!WriteCanonical(item, out)) return false;
      }
      out += ']';
      return true;
    }
    case nlohmann::json::value_t::object: {
      // nlohmann's default object type is a std::map: keys come sorted bytewise.
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        for (char c : key) {
          if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
        }
        if (!first) out += ',';
        first = false;
        out += '"';
        out += key;
        out += "\":";
        if (!WriteCanonical(item, out)) return false;
      }
      out += '}';
      return true;
    }
    default:
      return false;  // floats, binary, discarded
  }
}

std::unexpected<Error> Corrupt(std::string_view what, std::string_view detail) {
  return MakeError(SyncErrc::kCorruptDocument, std::string(what) + " is malformed (" + std::string(detail) +
                                                   "); the publication may be damaged or not an Akari publication");
}

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  std::string out;
  if (!WriteCanonical(value, out)) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "signed metadata may hold only integers, booleans, null and printable ASCII strings");
  }
  return out;
}

std::string KeyIdOf(const crypto::Ed25519PublicKey& key) {
  return ToHex(crypto::Blake2b256(key));
}

Result<Bytes> SigningMessage(const nlohmann::json& signed_part) {
  AKARI_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(signed_part));
  Bytes message = BytesOf(kSignatureDomain);
  message.push_back(0);
  message.insert(message.end(), canonical.begin(), canonical.end());
  return message;
}

Status AddSignature(SignedDocument& doc, const crypto::SecretBuffer& secret_key) {
  if (secret_key.size() != crypto::kEd25519SecretKeyBytes) {
    return MakeError(SyncErrc::kInvalidArgument, "an Ed25519 secret key must be 64 bytes");
  }
  AKARI_ASSIGN_OR_RETURN(Bytes message, SigningMessage(doc.signed_part));
  const crypto::Ed25519Signature sig = crypto::Sign(secret_key, message);
  doc.signatures.push_back({KeyIdOf(crypto::SigningPublicKeyOf(secret_key)), Bytes(sig.begin(), sig.end())});
  return {};
}

Result<std::string> SerializeSignedDocument(const SignedDocument& doc) {
  nlohmann::json sigs = nlohmann::json::array();
  for (const Signature& s : doc.signatures) sigs.push_back({{"keyid", s.keyid}, {"sig", crypto::Base64Encode(s.sig)}});
  return CanonicalJson({{"signatures", sigs}, {"signed", doc.signed_part}});
}

Result<SignedDocument> ParseSignedDocument(ByteSpan text, std::string_view what, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Corrupt(what, "larger than the " + std::to_string(max_bytes) + " bytes allowed");
  }
  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Corrupt(what, "not a JSON object");
  const auto s = j.find("signed");
  const auto sigs = j.find("signatures");
  if (s == j.end() || !s->is_object()) return Corrupt(what, "no \"signed\" object");
  if (sigs == j.end() || !sigs->is_array()) return Corrupt(what, "no \"signatures\" array");
  SignedDocument doc;
  doc.signed_part = *s;
  for (const auto& entry : *sigs) {
    if (!entry.is_object() || !entry.contains("keyid") || !entry.contains("sig") || !entry["keyid"].is_string() ||
        !entry["sig"].is_string()) {
      return Corrupt(what, "a signature entry lacks keyid or sig");
    }
    auto sig = crypto::Base64Decode(entry["sig"].get<std::string>());
    if (!sig || sig->size() != 64) return Corrupt(what, "a signature is not 64 bytes of base64");
    doc.signatures.push_back({entry["keyid"].get<std::string>(), std::move(*sig)});
  }
  return doc;
}

Status VerifyThreshold(const SignedDocument& doc, const KeyRole& role, const KeyMap& keys, std::string_view what) {
  AKARI_ASSIGN_OR_RETURN(Bytes message, SigningMessage(doc.signed_part));
  const std::set<std::string> role_keys(role.keyids.begin(), role.keyids.end());
  std::set<std::string> valid;
  bool any_known = false;
  for (const Signature& s : doc.signatures) {
    if (!role_keys.contains(s.keyid)) continue;
    const auto key = keys.find(s.keyid);
    if (key == keys.end()) continue;
    any_known = true;
    if (valid.contains(s.keyid)) continue;  // a key counts once
    if (crypto::Verify(key->second, message, s.sig)) valid.insert(s.keyid);
  }
  if (static_cast<int>(valid.size()) >= role.threshold && role.threshold > 0) return {};
  if (!any_known) {
    return MakeError(SyncErrc::kUnknownKey,
                     std::string(what) +
                         " is not signed by any key this node trusts; it may come from another hub "
                         "or an attacker. Nothing was changed; check the hub URL or --from directory");
  }
  return MakeError(SyncErrc::kBadSignature,
                   std::string(what) + " has " + std::to_string(valid.size()) + " valid signature(s) of the " +
                       std::to_string(role.threshold) +
                       " required; it was altered or damaged in transit. Nothing was changed; try again or use "
                       "another copy of the publication");
}

Result<std::string> FingerprintOf(const nlohmann::json& signed_part) {
  AKARI_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(signed_part));
  return ToHex(crypto::Blake2b256(AsBytes(canonical)));
}

}  // namespace akari::sync::publication
