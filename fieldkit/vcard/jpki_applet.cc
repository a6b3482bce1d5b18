#include "fieldkit/vcard/jpki_applet.h"

#include <openssl/rsa.h>

#include <algorithm>
#include <array>

#include "node/card/jpki_card.h"

namespace akari::fieldkit {

namespace jpki = card::jpki;

namespace {

constexpr std::uint16_t kOk = 0x9000;
constexpr std::uint16_t kEndOfFile = 0x6282;
constexpr std::uint16_t kWrongLength = 0x6700;
constexpr std::uint16_t kIncompatibleFile = 0x6981;
constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;
constexpr std::uint16_t kBlocked = 0x6984;
constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
constexpr std::uint16_t kNoCurrentEf = 0x6986;
constexpr std::uint16_t kFunctionNotSupported = 0x6A81;
constexpr std::uint16_t kFileNotFound = 0x6A82;
constexpr std::uint16_t kWrongP1P2 = 0x6A86;
constexpr std::uint16_t kWrongOffset = 0x6B00;
constexpr std::uint16_t kInsNotSupported = 0x6D00;
constexpr std::uint16_t kClaNotSupported = 0x6E00;

Bytes Sw(std::uint16_t sw, Bytes data = {}) {
  data.push_back(static_cast<std::uint8_t>(sw >> 8));
  data.push_back(static_cast<std::uint8_t>(sw & 0xFF));
  return data;
}

// EF 0006: a 160-byte token information file whose first 32 bytes are the
// space-padded label ([RE]: a PKCS#11 CK_TOKEN_INFO).
Bytes TokenInfo(const std::string& label) {
  Bytes info(160, 0);
  std::fill(info.begin(), info.begin() + 32 + 32 + 16 + 16, ' ');
  std::copy_n(label.begin(), std::min<std::size_t>(label.size(), 32), info.begin());
  constexpr std::string_view kMaker = "AKARI-VCARD (TEST)";
  std::copy(kMaker.begin(), kMaker.end(), info.begin() + 32);
  return info;
}

}  // namespace

// A parsed command APDU (ISO 7816-4 cases 1–4, short and extended).
struct VirtualJpkiCard::Command {
  std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  ByteSpan data;
  std::optional<std::size_t> le;  // bytes wanted (256 / 65536 for 00 / 0000)
};

VirtualJpkiCard::VirtualJpkiCard(Bytes cert_der, Bytes ca_der, crypto::EvpPkeyPtr key, VirtualCardOptions options)
    : cert_der_(std::move(cert_der)),
      ca_der_(std::move(ca_der)),
      token_info_(TokenInfo(options.token_label)),
      key_(std::move(key)),
      options_(std::move(options)),
      tries_(options_.start_blocked ? 0 : std::clamp(options_.tries, 0, kMaxTries)),
      rng_(options_.garbage_seed == 0 ? 1 : options_.garbage_seed) {}

void VirtualJpkiCard::Reset() {
  ap_selected_ = false;
  current_ef_.reset();
  verified_ = false;
  pending_.clear();
}

Bytes VirtualJpkiCard::DefaultAtr() {
  // A JPKI contact ATR (jpki.md §3.1, "JPKI (02)").
  return {0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12,
          0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B};
}

Bytes VirtualJpkiCard::Process(ByteSpan command) {
  if (options_.garbage) return Garbage();
  const std::optional<Command> c = Parse(command);
  if (!c) return Sw(kWrongLength);
  if (c->ins == 0xC0 && c->cla == 0x00) return GetResponse(*c);
  pending_.clear();
  return WithGetResponse(Dispatch(*c));
}

Bytes VirtualJpkiCard::Dispatch(const Command& c) {
  if (c.cla == 0x80) return c.ins == 0x2A ? Sign(c) : Sw(kInsNotSupported);
  if (c.cla != 0x00) return Sw(kClaNotSupported);
  switch (c.ins) {
    case 0xA4:
      return Select(c);
    case 0xB0:
      return ReadBinary(c);
    case 0x20:
      return Verify(c);
    default:
      return Sw(kInsNotSupported);
  }
}

Bytes VirtualJpkiCard::Select(const Command& c) {
  if (c.p1 == 0x04) {
    if (c.p2 != 0x0C && c.p2 != 0x00) return Sw(kWrongP1P2);
    if (!std::equal(c.data.begin(), c.data.end(), jpki::kAid.begin(), jpki::kAid.end())) return Sw(kFileNotFound);
    // Selecting the application drops the PIN state (OpenSC's logout does this).
    Reset();
    ap_selected_ = true;
    return Sw(kOk);
  }
  if (c.p1 == 0x00 || c.p1 == 0x01 || c.p1 == 0x08 || c.p1 == 0x09) return Sw(kFileNotFound);
  if (c.p1 != 0x02) return Sw(kWrongP1P2);
  if (c.data.size() != 2) return Sw(kWrongLength);
  if (!ap_selected_) return Sw(kFileNotFound);
  const auto fid = static_cast<std::uint16_t>(c.data[0] << 8 | c.data[1]);
  // The signing password's EF exists (OpenSC asks it for its tries), but
  // this card carries no signing certificate or key (like a child's card).
  static constexpr std::array<std::uint16_t, 6> kFiles = {jpki::kEfTokenInfo, jpki::kEfAuthCert, jpki::kEfAuthCaCert,
                                                          jpki::kEfAuthKey,   jpki::kEfAuthPin,  jpki::kEfSignPassword};
  if (std::find(kFiles.begin(), kFiles.end(), fid) == kFiles.end()) return Sw(kFileNotFound);
  current_ef_ = fid;
  return Sw(kOk);
}

const Bytes* VirtualJpkiCard::CurrentFile() const {
  if (!current_ef_) return nullptr;
  switch (*current_ef_) {
    case jpki::kEfTokenInfo:
      return &token_info_;
    case jpki::kEfAuthCert:
      return &cert_der_;
    case jpki::kEfAuthCaCert:
      return &ca_der_;
    default:
      return nullptr;
  }
}

Bytes VirtualJpkiCard::ReadBinary(const Command& c) {
  if ((c.p1 & 0x80) != 0) return Sw(kFunctionNotSupported);  // short EF identifiers are not emulated
  if (!c.data.empty() || !c.le) return Sw(kWrongLength);
  if (!current_ef_) return Sw(kNoCurrentEf);
  const Bytes* file = CurrentFile();
  if (file == nullptr) return Sw(kIncompatibleFile);  // key or PIN file
  const std::size_t offset = static_cast<std::size_t>(c.p1) << 8 | c.p2;
  if (offset >= file->size()) return Sw(kWrongOffset);
  const std::size_t available = file->size() - offset;
  if (*c.le > available && options_.exact_le && available < 256) {
    return Sw(static_cast<std::uint16_t>(0x6C00 | available));
  }
  const std::size_t n = std::min(*c.le, available);
  Bytes data(file->begin() + static_cast<std::ptrdiff_t>(offset),
             file->begin() + static_cast<std::ptrdiff_t>(offset + n));
  return Sw(n < *c.le ? kEndOfFile : kOk, std::move(data));
}

Bytes VirtualJpkiCard::Verify(const Command& c) {
  if (c.p1 != 0x00 || c.p2 != 0x80) return Sw(kWrongP1P2);
  if (current_ef_ == jpki::kEfSignPassword) {
    // No signing certificate, so no usable signing password: tries are
    // reported, nothing is accepted.
    return c.data.empty() ? Sw(0x63C5) : Sw(kBlocked);
  }
  if (current_ef_ != jpki::kEfAuthPin) return Sw(kNoCurrentEf);
  if (options_.no_pin) return Sw(kBlocked);
  if (c.data.empty()) {
    // The retry counter, without spending a try.
    return Sw(static_cast<std::uint16_t>(0x63C0 | tries_));
  }
  if (tries_ == 0) return Sw(kBlocked);
  if (options_.pin.Equals(c.data)) {
    tries_ = kMaxTries;
    verified_ = true;
    return Sw(kOk);
  }
  --tries_;
  verified_ = false;
  return Sw(static_cast<std::uint16_t>(0x63C0 | tries_));
}

Bytes VirtualJpkiCard::Sign(const Command& c) {
  if (c.p1 != 0x00 || c.p2 != 0x80) return Sw(kWrongP1P2);
  if (current_ef_ != jpki::kEfAuthKey) return Sw(kConditionsNotSatisfied);
  if (!verified_) return Sw(kSecurityNotSatisfied);
  // PKCS#1 v1.5 type-1 padding leaves room for k - 11 bytes.
  const std::size_t max_input = static_cast<std::size_t>(EVP_PKEY_get_size(key_.get())) - 11;
  if (c.data.empty() || c.data.size() > max_input) return Sw(kWrongLength);
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, c.data.data(), c.data.size()) != 1) {
    crypto::DrainOpenSslErrors();
    return Sw(0x6F00);
  }
  Bytes signature(len);
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &len, c.data.data(), c.data.size()) != 1) {
    crypto::DrainOpenSslErrors();
    return Sw(0x6F00);
  }
  signature.resize(len);
  return Sw(kOk, std::move(signature));
}

Bytes VirtualJpkiCard::WithGetResponse(Bytes response) {
  if (!options_.get_response || response.size() <= 2) return response;
  pending_sw_ = static_cast<std::uint16_t>(response[response.size() - 2] << 8 | response.back());
  response.resize(response.size() - 2);
  pending_ = std::move(response);
  return Sw(static_cast<std::uint16_t>(0x6100 | (pending_.size() >= 256 ? 0 : pending_.size())));
}

Bytes VirtualJpkiCard::GetResponse(const Command& c) {
  if (pending_.empty()) return Sw(kConditionsNotSatisfied);
  if (c.p1 != 0 || c.p2 != 0 || !c.le) return Sw(kWrongP1P2);
  const std::size_t n = std::min(*c.le, pending_.size());
  Bytes data(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  if (pending_.empty()) return Sw(pending_sw_, std::move(data));
  return Sw(static_cast<std::uint16_t>(0x6100 | (pending_.size() >= 256 ? 0 : pending_.size())), std::move(data));
}

Bytes VirtualJpkiCard::Garbage() {
  auto next = [this] {
    // xorshift32: deterministic noise, not cryptography.
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 17;
    rng_ ^= rng_ << 5;
    return rng_;
  };
  Bytes out(1 + next() % 64);
  for (std::uint8_t& b : out) b = static_cast<std::uint8_t>(next() & 0xFF);
  return out;
}

std::optional<VirtualJpkiCard::Command> VirtualJpkiCard::Parse(ByteSpan a) {
  if (a.size() < 4) return std::nullopt;
  VirtualJpkiCard::Command c{a[0], a[1], a[2], a[3], {}, std::nullopt};
  const std::size_t n = a.size();
  if (n == 4) return c;
  if (n == 5) {
    c.le = a[4] == 0 ? 256 : a[4];
    return c;
  }
  if (a[4] != 0) {  // short Lc
    const std::size_t lc = a[4];
    if (n == 5 + lc) {
      c.data = a.subspan(5, lc);
      return c;
    }
    if (n == 6 + lc) {
      c.data = a.subspan(5, lc);
      c.le = a[n - 1] == 0 ? 256 : a[n - 1];
      return c;
    }
    return std::nullopt;
  }
  // Extended length: 00 then two bytes.
  if (n == 7) {
    const std::size_t le = static_cast<std::size_t>(a[5]) << 8 | a[6];
    c.le = le == 0 ? 65536 : le;
    return c;
  }
  const std::size_t lc = static_cast<std::size_t>(a[5]) << 8 | a[6];
  if (lc == 0) return std::nullopt;
  if (n == 7 + lc) {
    c.data = a.subspan(7, lc);
    return c;
  }
  if (n == 9 + lc) {
    c.data = a.subspan(7, lc);
    const std::size_t le = static_cast<std::size_t>(a[n - 2]) << 8 | a[n - 1];
    c.le = le == 0 ? 65536 : le;
    return c;
  }
  return std::nullopt;
}

}  // namespace akari::fieldkit
