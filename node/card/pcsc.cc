#include "node/card/pcsc.h"

#include <winscard.h>

#include <algorithm>
#include <thread>

#include "node/card/errors.h"

namespace akari::card {
namespace {

using SteadyClock = std::chrono::steady_clock;

// After a failed transmit, how long to watch the reader for the card going
// away (pcscd polls virtual and serial readers every 400 ms).
constexpr std::chrono::milliseconds kRemovalGrace{1500};

std::string InReader(std::string_view reader) {
  return reader.empty() ? std::string() : " in the reader \"" + std::string(reader) + "\"";
}

// Owner of one SCARDCONTEXT.
class ScopedContext {
 public:
  static Result<ScopedContext> Establish() {
    SCARDCONTEXT ctx = 0;
    const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    if (rv != SCARD_S_SUCCESS) return std::unexpected(TranslatePcscError(rv, "connecting to the smart-card service"));
    return ScopedContext(ctx);
  }
  ScopedContext(ScopedContext&& other) noexcept : ctx_(std::exchange(other.ctx_, 0)) {}
  ScopedContext& operator=(ScopedContext&&) = delete;
  ScopedContext(const ScopedContext&) = delete;
  ~ScopedContext() {
    if (ctx_ != 0) SCardReleaseContext(ctx_);
  }
  SCARDCONTEXT get() const { return ctx_; }

 private:
  explicit ScopedContext(SCARDCONTEXT ctx) : ctx_(ctx) {}
  SCARDCONTEXT ctx_;
};

// Owner of one SCARDHANDLE: ends its transaction and disconnects.
class ScopedCard {
 public:
  ScopedCard(SCARDHANDLE handle, DWORD protocol) : handle_(handle), protocol_(protocol) {}
  ScopedCard(ScopedCard&& other) noexcept
      : handle_(std::exchange(other.handle_, 0)),
        protocol_(other.protocol_),
        in_transaction_(std::exchange(other.in_transaction_, false)),
        disposition_(other.disposition_) {}
  ScopedCard& operator=(ScopedCard&&) = delete;
  ScopedCard(const ScopedCard&) = delete;
  ~ScopedCard() {
    if (handle_ == 0) return;
    // A reset happens while the transaction is still ours, so it can never
    // land in the middle of another program's transaction.
    if (in_transaction_) {
      SCardEndTransaction(handle_, disposition_);
      SCardDisconnect(handle_, SCARD_LEAVE_CARD);
    } else {
      SCardDisconnect(handle_, disposition_);
    }
  }

  Status BeginTransaction(std::string_view reader) {
    LONG rv = SCardBeginTransaction(handle_);
    if (rv == SCARD_W_RESET_CARD) {
      // Another program reset the card since we connected: acknowledge it
      // (nothing of ours was on the card yet) and try once more.
      DWORD protocol = 0;
      rv = SCardReconnect(handle_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
                          &protocol);
      if (rv == SCARD_S_SUCCESS) {
        protocol_ = protocol;
        rv = SCardBeginTransaction(handle_);
      }
    }
    if (rv != SCARD_S_SUCCESS) return std::unexpected(TranslatePcscError(rv, "reserving the card", reader));
    in_transaction_ = true;
    return {};
  }

  SCARDHANDLE get() const { return handle_; }
  DWORD protocol() const { return protocol_; }
  void set_disposition(DWORD d) { disposition_ = d; }

 private:
  SCARDHANDLE handle_;
  DWORD protocol_;
  bool in_transaction_ = false;
  DWORD disposition_ = SCARD_LEAVE_CARD;
};

std::vector<std::string> SplitMultiString(const std::vector<char>& buf) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < buf.size() && buf[i] != '\0';) {
    std::string name(&buf[i]);
    i += name.size() + 1;
    out.push_back(std::move(name));
  }
  return out;
}

Result<std::vector<std::string>> ReaderNames(SCARDCONTEXT ctx) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    DWORD len = 0;
    LONG rv = SCardListReaders(ctx, nullptr, nullptr, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>();
    if (rv != SCARD_S_SUCCESS) return std::unexpected(TranslatePcscError(rv, "listing card readers"));
    std::vector<char> buf(len + 1, '\0');
    rv = SCardListReaders(ctx, nullptr, buf.data(), &len);
    if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue;  // a reader was plugged in between the two calls
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>();
    if (rv != SCARD_S_SUCCESS) return std::unexpected(TranslatePcscError(rv, "listing card readers"));
    return SplitMultiString(buf);
  }
  return MakeError(CardErrc::kTransmitFailed, "the list of card readers keeps changing; try again");
}

struct ReaderStates {
  std::vector<std::string> names;
  std::vector<SCARD_READERSTATE> states;  // one per name, then the PnP pseudo-reader
};

ReaderInfo InfoOf(const std::string& name, const SCARD_READERSTATE& s) {
  ReaderInfo info;
  info.name = name;
  info.card_present = (s.dwEventState & SCARD_STATE_PRESENT) != 0;
  info.exclusive = (s.dwEventState & SCARD_STATE_EXCLUSIVE) != 0;
  info.mute = (s.dwEventState & SCARD_STATE_MUTE) != 0;
  info.atr.assign(s.rgbAtr, s.rgbAtr + std::min<DWORD>(s.cbAtr, sizeof s.rgbAtr));
  return info;
}

// Current states of every reader (timeout 0: returns at once).
Result<ReaderStates> QueryStates(SCARDCONTEXT ctx) {
  ReaderStates rs;
  AKARI_ASSIGN_OR_RETURN(rs.names, ReaderNames(ctx));
  rs.states.resize(rs.names.size() + 1);
  for (std::size_t i = 0; i < rs.names.size(); ++i) {
    rs.states[i].szReader = rs.names[i].c_str();
    rs.states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  rs.states.back().szReader = kPnpNotification;
  rs.states.back().dwCurrentState = static_cast<DWORD>(rs.names.size() << 16);
  if (!rs.names.empty()) {
    const LONG rv = SCardGetStatusChange(ctx, 0, rs.states.data(), static_cast<DWORD>(rs.names.size()));
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
      return std::unexpected(TranslatePcscError(rv, "reading the readers' state"));
    }
  }
  for (SCARD_READERSTATE& s : rs.states) s.dwCurrentState = s.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  rs.states.back().dwCurrentState = static_cast<DWORD>(rs.names.size() << 16);
  return rs;
}

// Waits until a reader's state changes or a reader is plugged in or out,
// at most until `deadline`. Returns false on timeout.
Result<bool> WaitForChange(SCARDCONTEXT ctx, ReaderStates& rs, SteadyClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  if (left.count() <= 0) return false;
  // The names may have moved with the struct: point at them again.
  for (std::size_t i = 0; i < rs.names.size(); ++i) rs.states[i].szReader = rs.names[i].c_str();
  rs.states.back().szReader = kPnpNotification;
  const LONG rv = SCardGetStatusChange(ctx, static_cast<DWORD>(left.count()), rs.states.data(),
                                       static_cast<DWORD>(rs.states.size()));
  if (rv == SCARD_E_TIMEOUT) return false;
  if (rv != SCARD_S_SUCCESS) return std::unexpected(TranslatePcscError(rv, "waiting for a card"));
  return true;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out.empty() ? "none" : out;
}

class PcscChannel final : public CardChannel {
 public:
  PcscChannel(SCARDCONTEXT ctx, const ScopedCard& card, const std::string& reader)
      : ctx_(ctx), card_(card), reader_(reader) {}

  Result<Bytes> Transmit(ByteSpan command) override {
    Bytes response(MAX_BUFFER_SIZE_EXTENDED);
    DWORD len = static_cast<DWORD>(response.size());
    const SCARD_IO_REQUEST* pci = card_.protocol() == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const LONG rv = SCardTransmit(card_.get(), pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                                  response.data(), &len);
    if (rv != SCARD_S_SUCCESS) return std::unexpected(ClassifyFailure(rv));
    // No bytes at all (not even a status word) is what vpcd reports when the
    // card went away in the middle of a command.
    if (len == 0 && CardWentAway()) {
      return std::unexpected(TranslatePcscError(SCARD_W_REMOVED_CARD, "talking to the card", reader_));
    }
    response.resize(len);
    return response;
  }

 private:
  // A transport failure while the card is being pulled out shows up as a
  // communication error first; the reader reports the removal a moment
  // later. Staff need to hear "card removed", so watch the reader briefly.
  Error ClassifyFailure(LONG rv) const {
    const bool removed = rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
                         ((rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_COMM_DATA_LOST ||
                           rv == SCARD_W_UNRESPONSIVE_CARD || rv == SCARD_W_UNPOWERED_CARD) &&
                          CardWentAway());
    return TranslatePcscError(removed ? SCARD_W_REMOVED_CARD : rv, "talking to the card", reader_);
  }

  // Whether the reader reports its card gone within kRemovalGrace.
  bool CardWentAway() const {
    SCARD_READERSTATE s{};
    s.szReader = reader_.c_str();
    s.dwCurrentState = SCARD_STATE_UNAWARE;
    const auto deadline = SteadyClock::now() + kRemovalGrace;
    for (DWORD timeout = 0; SCardGetStatusChange(ctx_, timeout, &s, 1) == SCARD_S_SUCCESS;) {
      if ((s.dwEventState & SCARD_STATE_EMPTY) != 0) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return false;
      s.dwCurrentState = s.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
      timeout = static_cast<DWORD>(left.count());
    }
    return false;
  }

  SCARDCONTEXT ctx_;
  const ScopedCard& card_;
  const std::string& reader_;
};

class PcscSession final : public CardSession {
 public:
  PcscSession(ScopedContext ctx, ScopedCard card, std::string reader)
      : ctx_(std::move(ctx)),
        card_(std::move(card)),
        reader_(std::move(reader)),
        channel_(ctx_.get(), card_, reader_) {}

  CardChannel& channel() override { return channel_; }
  const std::string& reader() const override { return reader_; }
  void ResetOnClose() override { card_.set_disposition(SCARD_RESET_CARD); }

 private:
  ScopedContext ctx_;  // declared first: released last
  ScopedCard card_;
  std::string reader_;
  PcscChannel channel_;
};

Result<ScopedCard> Connect(SCARDCONTEXT ctx, const std::string& reader) {
  SCARDHANDLE handle = 0;
  DWORD protocol = 0;
  const LONG rv =
      SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &handle, &protocol);
  if (rv != SCARD_S_SUCCESS) return std::unexpected(TranslatePcscError(rv, "connecting to the card", reader));
  ScopedCard card(handle, protocol);
  AKARI_TRY(card.BeginTransaction(reader));
  return card;
}

}  // namespace

Result<std::size_t> FindReader(const std::vector<std::string>& names, std::string_view wanted) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == wanted) return i;
  }
  std::vector<std::string> matching;
  std::size_t found = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].find(wanted) == std::string::npos) continue;
    matching.push_back(names[i]);
    found = i;
  }
  if (matching.size() == 1) return found;
  if (matching.empty()) {
    return MakeError(CardErrc::kReaderNotFound, "there is no card reader named \"" + std::string(wanted) +
                                                    "\" (readers: " + Join(names) + "); see akari card readers");
  }
  return MakeError(CardErrc::kReaderNotFound, "the reader name \"" + std::string(wanted) + "\" matches " +
                                                  std::to_string(matching.size()) + " readers (" + Join(matching) +
                                                  "): give enough of the name to pick one; see akari card readers");
}

Error TranslatePcscError(long rv, std::string_view action, std::string_view reader) {
  const std::string where = InReader(reader);
  const std::string what = std::string(action) + ": ";
  switch (rv) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
      return {CardErrc::kServiceUnavailable,
              what +
                  "the smart-card service (pcscd) is not running, so no card reader can be used; start it "
                  "(sudo systemctl start pcscd) and try again"};
    case SCARD_E_NO_READERS_AVAILABLE:
      return {CardErrc::kNoReader, what + "no card reader is connected; plug in a reader and try again"};
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
      return {CardErrc::kReaderGone, what + "the card reader" +
                                         (reader.empty() ? "" : " \"" + std::string(reader) + "\"") +
                                         " is no longer there (unplugged?); plug it back in and start again"};
    case SCARD_E_NO_SMARTCARD:
      return {CardErrc::kNoCard, what + "there is no card" + where +
                                     "; insert the patient's My Number Card (IC chip first) and try again"};
    case SCARD_W_REMOVED_CARD:
      return {CardErrc::kCardRemoved, what + "the card was removed" + where +
                                          " before the verification finished; insert it again, leave it in until "
                                          "the result is shown, and start over"};
    case SCARD_W_RESET_CARD:
      return {CardErrc::kCardRemoved, what + "another program reset the card" + where +
                                          " during the verification; start over (close other smart-card programs)"};
    case SCARD_E_SHARING_VIOLATION:
      return {CardErrc::kCardBusy,
              what + "another program is using the card" + where + " exclusively; close it or wait, then try again"};
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
    case SCARD_E_PROTO_MISMATCH:
    case SCARD_E_CARD_UNSUPPORTED:
      return {CardErrc::kCardUnresponsive, what + "the card" + where +
                                               " does not answer; take it out, check it is inserted the right way "
                                               "round (IC chip), and try again"};
    case SCARD_E_TIMEOUT:
      return {CardErrc::kTimeout,
              what + "the reader did not answer in time; try again, and replug the reader if it keeps happening"};
    default:
      return {CardErrc::kTransmitFailed, what + "the card service reported \"" +
                                             pcsc_stringify_error(static_cast<LONG>(rv)) + "\"" + where +
                                             "; take the card out and try again"};
  }
}

Result<std::vector<ReaderInfo>> PcscCardAccess::ListReaders() {
  AKARI_ASSIGN_OR_RETURN(ScopedContext ctx, ScopedContext::Establish());
  AKARI_ASSIGN_OR_RETURN(ReaderStates rs, QueryStates(ctx.get()));
  std::vector<ReaderInfo> out;
  for (std::size_t i = 0; i < rs.names.size(); ++i) out.push_back(InfoOf(rs.names[i], rs.states[i]));
  return out;
}

Result<std::unique_ptr<CardSession>> PcscCardAccess::Open(std::string_view wanted, std::chrono::milliseconds wait) {
  AKARI_ASSIGN_OR_RETURN(ScopedContext ctx, ScopedContext::Establish());
  const auto deadline = SteadyClock::now() + wait;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(ReaderStates rs, QueryStates(ctx.get()));
    std::optional<Error> not_yet;
    std::optional<std::size_t> chosen;
    if (rs.names.empty()) {
      not_yet = Error{CardErrc::kNoReader, "no card reader is connected; plug in a reader and try again"};
    } else if (!wanted.empty()) {
      auto found = FindReader(rs.names, wanted);
      if (!found) {
        not_yet = std::move(found).error();
      } else if ((rs.states[*found].dwEventState & SCARD_STATE_PRESENT) == 0) {
        not_yet = Error{CardErrc::kNoCard, "there is no card" + InReader(rs.names[*found]) +
                                               "; insert the patient's My Number Card (IC chip first) and try again"};
      } else {
        chosen = *found;
      }
    } else {
      std::vector<std::string> with_card;
      for (std::size_t i = 0; i < rs.names.size(); ++i) {
        if ((rs.states[i].dwEventState & SCARD_STATE_PRESENT) != 0) {
          with_card.push_back(rs.names[i]);
          chosen = i;
        }
      }
      if (with_card.size() > 1) {
        return MakeError(CardErrc::kSeveralCards,
                         "cards are in several readers (" + Join(with_card) + "); name the reader to use");
      }
      if (with_card.empty()) {
        not_yet = Error{CardErrc::kNoCard, "there is no card in any reader (" + Join(rs.names) +
                                               "); insert the patient's My Number Card (IC chip first) and try again"};
      }
    }
    if (chosen) {
      const std::string name = rs.names[*chosen];
      AKARI_ASSIGN_OR_RETURN(ScopedCard card, Connect(ctx.get(), name));
      return std::unique_ptr<CardSession>(std::make_unique<PcscSession>(std::move(ctx), std::move(card), name));
    }
    AKARI_ASSIGN_OR_RETURN(bool changed, WaitForChange(ctx.get(), rs, deadline));
    if (!changed) return std::unexpected(std::move(*not_yet));
  }
}

}  // namespace akari::card
