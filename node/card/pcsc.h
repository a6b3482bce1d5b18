// Card access over PC/SC (libpcsclite talking to pcscd): reader discovery
// and hot-plug with SCardGetStatusChange (including the \\?PnP?\Notification
// pseudo-reader), shared connections with T=0 or T=1, one card transaction
// per session. One RAII owner each for SCARDCONTEXT and SCARDHANDLE live in
// pcsc.cc; PC/SC results are translated into CardErrc once, here.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "node/card/card_access.h"

namespace akari::card {

// Threading: safe to share between threads; every call establishes its own
// PC/SC context (libpcsclite contexts are not meant to be shared), and each
// session keeps its context until it ends.
class PcscCardAccess final : public CardAccess {
 public:
  Result<std::vector<ReaderInfo>> ListReaders() override;
  Result<std::unique_ptr<CardSession>> Open(std::string_view reader, std::chrono::milliseconds wait) override;
};

// The CardErrc for a PC/SC result code, with a message for staff that names
// `action` ("connecting to the card") and `reader` when known. `rv` is a
// PC/SC LONG (SCARD_E_…, SCARD_W_…).
Error TranslatePcscError(long rv, std::string_view action, std::string_view reader = "");

// The reader `wanted` names among `names`: the one with exactly that name,
// else the only one whose name contains it. Errors: kReaderNotFound when no
// name contains it, or several do (the message lists them).
[[nodiscard]] Result<std::size_t> FindReader(const std::vector<std::string>& names, std::string_view wanted);

// The name of the PnP pseudo-reader that reports readers being plugged in.
inline constexpr const char* kPnpNotification = "\\\\?PnP?\\Notification";

}  // namespace akari::card
