// Access to card readers, independent of how they are reached: PC/SC in
// production (pcsc.h), an in-process card in unit tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "node/card/apdu.h"

namespace akari::card {

struct ReaderInfo {
  std::string name;
  bool card_present = false;
  bool exclusive = false;  // another program holds the card exclusively
  bool mute = false;       // a card is in but does not answer
  Bytes atr;               // informational only: cards are never identified by ATR
};

// One connection to the card in one reader, inside a card transaction (no
// other program can talk to the card until the session ends).
// Threading: one thread.
class CardSession {
 public:
  virtual ~CardSession() = default;
  virtual CardChannel& channel() = 0;
  virtual const std::string& reader() const = 0;
  // Resets the card when the session ends, so that a PIN verified during
  // the session does not stay usable by another program.
  virtual void ResetOnClose() = 0;
};

// Threading: implementations are safe to use from several threads at once
// (each call uses its own connection to the card service).
class CardAccess {
 public:
  virtual ~CardAccess() = default;

  // Every reader and whether it holds a card. Errors: kServiceUnavailable,
  // kTransmitFailed. No reader is an empty list, not an error.
  [[nodiscard]] virtual Result<std::vector<ReaderInfo>> ListReaders() = 0;

  // Connects to the card in `reader` ("" = the only reader holding a card),
  // waiting up to `wait` for a card to be inserted, and begins a
  // transaction. Errors (CardErrc): kServiceUnavailable, kNoReader,
  // kReaderNotFound, kSeveralCards, kNoCard, kCardBusy, kCardUnresponsive,
  // kReaderGone, kTransmitFailed.
  [[nodiscard]] virtual Result<std::unique_ptr<CardSession>> Open(std::string_view reader,
                                                                  std::chrono::milliseconds wait) = 0;
};

}  // namespace akari::card
