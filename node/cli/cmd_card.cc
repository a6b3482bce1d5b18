// `akari card verify` and `akari card readers`: identity from the My Number
// Card chip over PC/SC, and the readers this machine sees (docs/card.md).
#include <memory>

#include "node/card/errors.h"
#include "node/card/pcsc.h"
#include "node/card/verification.h"
#include "node/checks/check_queue.h"
#include "node/cli/cli.h"
#include "node/node_time.h"

namespace akari::cli {
namespace {

std::string CardRow(std::string_view label, std::string_view value) {
  return LabelledRow(label, value, 14);
}

std::string Days(std::chrono::seconds age) {
  const auto days = age.count() / 86400;
  return days == 0 ? "less than a day old" : std::to_string(days) + (days == 1 ? " day old" : " days old");
}

std::string Headline(const card::VerificationOutcome& o) {
  switch (o.status) {
    case card::VerificationStatus::kCovered:
      return "COVERED: identity confirmed";
    case card::VerificationStatus::kNotCovered:
      return "NOT COVERED today: identity confirmed";
    case card::VerificationStatus::kUnknownPerson:
      return "UNKNOWN PERSON: valid card, not linked to anyone in this region's data";
    case card::VerificationStatus::kIdentityNotConfirmed:
      return "REFUSED: identity NOT confirmed (" + std::string(card::CodeName(o.code)) + ")";
    case card::VerificationStatus::kIncomplete:
      return "NOT COMPLETED (" + std::string(card::CodeName(o.code)) + ")";
  }
  return "";
}

std::string CoverageText(const nlohmann::json& c) {
  if (!c.is_object()) return "";
  std::string text = c.value("insurer_name", "") + " (保険者番号 " + c.value("insurer_number", "") + ")";
  text += " 記号 " + c.value("symbol", "") + " 番号 " + c.value("number", "");
  if (!c.value("branch", "").empty()) text += " 枝番 " + c.value("branch", "");
  if (c.contains("copay_percent")) text += ", copay " + std::to_string(c["copay_percent"].get<int>()) + "%";
  return text;
}

void PrintHuman(const card::VerificationOutcome& o) {
  Print(CardRow("Result", Headline(o)));
  if (o.assurance) {
    Print(CardRow("Assurance", o.assurance == node::Assurance::kSignature
                                   ? "signature (certificate + PIN + challenge signed by the card)"
                                   : "certificate only (no PIN): staff must check the face against the card photo"));
  }
  if (o.person_id) Print(CardRow("Person", std::to_string(*o.person_id)));
  if (o.coverage.is_object()) Print(CardRow("Coverage", CoverageText(o.coverage)));
  if (!o.detail.empty() && o.status != card::VerificationStatus::kCovered) Print(CardRow("Detail", o.detail));
  if (o.check_id) Print(CardRow("Check", *o.check_id + " (queued for reconciliation)"));
  if (!o.reader.empty()) {
    Print(CardRow("Card", (o.token_label.empty() ? std::string("card") : o.token_label) + " in \"" + o.reader + "\""));
  }
  if (o.certificate) {
    Print(CardRow("Certificate", "serial " + o.certificate->serial + ", valid " +
                                     FormatUtc(o.certificate->not_before).substr(0, 10) + " to " +
                                     FormatUtc(o.certificate->not_after).substr(0, 10)));
  }
  if (o.revocation) {
    const crypto::RevocationReport& r = *o.revocation;
    std::string text(crypto::RevocationStatusName(r.status));
    if (r.this_update) text += " (list of " + FormatUtc(*r.this_update).substr(0, 10) + ", " + Days(r.age) + ")";
    if (r.status == crypto::RevocationStatus::kStale) text += ": stale since " + FormatUtc(*r.next_update);
    Print(CardRow("Revocation", text));
  }
  std::string pin = o.pin.used ? (o.pin.verified ? "verified" : "not verified") : "not used";
  if (o.pin.blocked) {
    pin += "; BLOCKED (reset only at the city office, 市区町村の窓口)";
  } else if (o.pin.tries_left) {
    pin += "; " + std::to_string(*o.pin.tries_left) + (*o.pin.tries_left == 1 ? " try left" : " tries left");
  } else {
    pin += "; tries left unknown";
  }
  Print(CardRow("PIN", pin));
  Print(CardRow("Message", o.message));
}

void RegisterCardVerify(CLI::App* card, CommandTable& table) {
  struct Options {
    std::string dir;
    PassphraseSource passphrase;
    std::string reader;
    std::string pin_file;
    bool no_pin = false;
    bool confirm_last_try = false;
    bool json = false;
    std::string operator_id;
    std::string facility;
    int wait_seconds = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = card->add_subcommand(
      "verify", "Verify the patient's My Number Card (certificate, PIN, signature) and record the eligibility check");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_option("--reader", opts->reader, "Card reader to use (default: the one reader holding a card)")
      ->type_name("NAME");
  auto* pin_file = cmd->add_option("--pin-file", opts->pin_file,
                                   "File holding the card's 4-digit PIN (else $AKARI_CARD_PIN, else a prompt)")
                       ->type_name("FILE");
  cmd->add_flag("--no-pin", opts->no_pin,
                "Certificate only, no PIN (顔認証マイナンバーカード or a blocked PIN): staff check the face")
      ->excludes(pin_file);
  cmd->add_flag("--confirm-last-try", opts->confirm_last_try,
                "The patient is sure of the PIN: allow spending its last try");
  cmd->add_option("--operator", opts->operator_id, "Operator id recorded with the check")->type_name("ID");
  cmd->add_option("--facility", opts->facility, "医療機関コード or site name recorded with the check");
  cmd->add_option("--wait", opts->wait_seconds, "Seconds to wait for a card to be inserted (default 0)")
      ->check(CLI::Range(0, 600));
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    card::VerificationRequest request;
    request.reader = opts->reader;
    request.confirm_last_try = opts->confirm_last_try;
    request.operator_id = opts->operator_id;
    request.facility = opts->facility;
    request.card_wait = std::chrono::seconds(opts->wait_seconds);
    if (!opts->no_pin) {
      if (!opts->pin_file.empty() || std::getenv("AKARI_CARD_PIN") != nullptr) {
        AKARI_ASSIGN_OR_RETURN(request.pin, ObtainPassphrase({opts->pin_file, "AKARI_CARD_PIN", ""}));
      } else {
        // Asked once the card is read, so the prompt can show the tries left.
        request.ask_pin = [](const card::PinStatus& status) -> Result<crypto::SecretBuffer> {
          const std::string tries =
              status.tries_left ? std::to_string(*status.tries_left) + (*status.tries_left == 1 ? " try" : " tries")
                                : std::string("unknown tries");
          return ObtainPassphrase({"", "AKARI_CARD_PIN", "Card PIN (4 digits, " + tries + " left): ",
                                   "the card's PIN cannot be asked for without a terminal: give it with --pin-file "
                                   "FILE or $AKARI_CARD_PIN, or verify without it (--no-pin: certificate only, "
                                   "staff check the face against the card photo)"});
        };
      }
    }
    // The check and its audit entry carry the node's time; the verification
    // floors the wall clock itself, and says so when it is behind.
    FloorClock node_time(SystemClock::Instance());
    AKARI_TRY(node::RaiseToTrustedTime(node_time, node.store));
    node::CheckQueue queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(), node_time);
    node::AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), node_time);
    card::PcscCardAccess cards;
    AKARI_ASSIGN_OR_RETURN(card::VerificationOutcome outcome,
                           card::VerifyCard(request, {node.store, queue, audit, SystemClock::Instance(), cards}));
    if (opts->json) {
      Print(card::ToJson(outcome).dump(2));
    } else {
      PrintHuman(outcome);
    }
    if (outcome.identity_confirmed()) return {};
    const std::string reason = "card verification " + std::string(card::StatusName(outcome.status)) + " (" +
                               std::string(card::CodeName(outcome.code)) + ")";
    const auto code = outcome.status == card::VerificationStatus::kIdentityNotConfirmed
                          ? std::make_error_code(std::errc::permission_denied)
                          : std::make_error_code(std::errc::operation_canceled);
    // The full message is on stdout already in human form.
    return MakeError(code, opts->json ? reason + ": " + outcome.message : reason);
  });
}

void RegisterReaders(CLI::App* card, CommandTable& table) {
  struct Options {
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = card->add_subcommand("readers", "List the card readers and whether each holds a card");
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    card::PcscCardAccess cards;
    AKARI_ASSIGN_OR_RETURN(std::vector<card::ReaderInfo> readers, cards.ListReaders());
    if (opts->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const card::ReaderInfo& r : readers) {
        out.push_back({{"name", r.name},
                       {"card_present", r.card_present},
                       {"exclusive", r.exclusive},
                       {"mute", r.mute},
                       {"atr", ToHex(r.atr)}});
      }
      Print(out.dump(2));
      return {};
    }
    if (readers.empty()) {
      Print("No card reader is connected.");
      return {};
    }
    for (const card::ReaderInfo& r : readers) {
      std::string state = !r.card_present ? "empty" : r.mute ? "card (not answering)" : "card present";
      if (r.exclusive) state += ", in exclusive use by another program";
      Print(CardRow(r.name, state));
    }
    return {};
  });
}

}  // namespace

void RegisterCardCommands(CLI::App& app, CommandTable& table) {
  CLI::App* card = app.add_subcommand("card", "My Number Card verification over PC/SC");
  card->require_subcommand(1);
  RegisterCardVerify(card, table);
  RegisterReaders(card, table);
}

}  // namespace akari::cli
