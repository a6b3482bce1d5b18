// `akari checks list|report`: the check queue and the reconciliation report.
#include <memory>

#include <nlohmann/json.hpp>

#include "node/audit/audit_log.h"
#include "node/checks/check_queue.h"
#include "node/checks/report.h"
#include "node/cli/cli.h"
#include "sync/errors.h"
#include "sync/record.h"

namespace akari::cli {
namespace {

// "YYYY-MM-DD" (the start of that day in Japan) or an RFC 3339 UTC time.
Result<std::optional<TimePoint>> ParseSince(const std::string& text) {
  if (text.empty()) return std::optional<TimePoint>();
  TimePoint t;
  if (ParseUtc(text, t)) return std::optional<TimePoint>(t);
  if (const sync::Date d = sync::ParseDate(text); d != 0) {
    return std::optional<TimePoint>(TimePoint(std::chrono::days(sync::DaysSinceEpoch(d))) - std::chrono::hours(9));
  }
  return MakeError(sync::SyncErrc::kInvalidArgument,
                   "--since '" + text + "' is not a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
}

}  // namespace

void RegisterChecksCommands(CLI::App& app, CommandTable& table) {
  CLI::App* group = app.add_subcommand("checks", "The eligibility check queue and the reconciliation report");
  group->require_subcommand(1);

  struct ListOptions {
    std::string dir;
    PassphraseSource passphrase;
    std::string format = "table";
    bool json = false;
    bool pending = false;
    int limit = 100;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = group->add_subcommand("list", "List recent checks (newest last)");
  AddDataOption(list_cmd, list->dir);
  AddPassphraseOption(list_cmd, list->passphrase);
  list_cmd->add_option("--format", list->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  list_cmd->add_flag("--json", list->json, "Same as --format json");
  list_cmd->add_flag("--pending", list->pending, "Only checks the hub has not answered yet");
  list_cmd->add_option("--limit", list->limit, "At most this many (default 100)")->check(CLI::Range(1, 100000));
  table.Add(list_cmd, [list]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(list->dir, list->passphrase));
    node::CheckQueue queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(),
                           SystemClock::Instance());
    const auto limit = static_cast<std::size_t>(list->limit);
    AKARI_ASSIGN_OR_RETURN(std::vector<node::CheckRecord> checks,
                           list->pending ? queue.Pending(limit) : queue.Newest(limit));
    const std::string format = list->json ? "json" : list->format;
    nlohmann::json out = nlohmann::json::array();
    std::string csv = "created_at,id,method,assurance,person_id,local_status,reconciled\r\n";
    for (const node::CheckRecord& c : checks) {
      const auto body = nlohmann::json::parse(c.body, nullptr, false);
      const auto local =
          body.is_object() ? body.value("local_answer", nlohmann::json::object()) : nlohmann::json::object();
      const std::string status = local.value("status", "");
      const std::string person = c.person_id ? std::to_string(*c.person_id) : "";
      if (format == "json") {
        out.push_back({{"id", c.id},
                       {"created_at", FormatUtc(c.created_at)},
                       {"method", node::CheckMethodName(c.method)},
                       {"assurance", node::AssuranceName(c.assurance)},
                       {"person_id", c.person_id ? nlohmann::json(*c.person_id) : nlohmann::json(nullptr)},
                       {"local_status", status},
                       {"reconciled", c.acknowledged}});
      } else if (format == "csv") {
        const std::string fields[] = {FormatUtc(c.created_at),
                                      c.id,
                                      std::string(node::CheckMethodName(c.method)),
                                      std::string(node::AssuranceName(c.assurance)),
                                      person,
                                      status,
                                      c.acknowledged ? "true" : "false"};
        for (std::size_t i = 0; i < std::size(fields); ++i) csv += (i ? "," : "") + node::CsvField(fields[i]);
        csv += "\r\n";
      } else {
        Print(FormatUtc(c.created_at) + "  " + c.id + "  " + std::string(node::CheckMethodName(c.method)) + "/" +
              std::string(node::AssuranceName(c.assurance)) + "  person " + (person.empty() ? "-" : person) + "  " +
              status + (c.acknowledged ? "  reconciled" : "  pending"));
      }
    }
    if (format == "json") Print(out.dump(2));
    if (format == "csv") std::fwrite(csv.data(), 1, csv.size(), stdout);
    return {};
  });

  struct ReportOptions {
    std::string dir;
    PassphraseSource passphrase;
    std::string since;
    std::string format = "table";
    bool json = false;
  };
  auto report = std::make_shared<ReportOptions>();
  CLI::App* report_cmd =
      group->add_subcommand("report", "Checks whose claim must change after reconciliation, grouped by what to do");
  AddDataOption(report_cmd, report->dir);
  AddPassphraseOption(report_cmd, report->passphrase);
  report_cmd->add_option("--since", report->since, "Only checks from this date (YYYY-MM-DD, Japan) or UTC time");
  report_cmd->add_option("--format", report->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  report_cmd->add_flag("--json", report->json, "Same as --format json");
  table.Add(report_cmd, [report]() -> Status {
    AKARI_ASSIGN_OR_RETURN(std::optional<TimePoint> since, ParseSince(report->since));
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(report->dir, report->passphrase));
    AKARI_ASSIGN_OR_RETURN(node::ReconciliationReport r, node::BuildReconciliationReport(node.store, since));
    const std::string format = report->json ? "json" : report->format;
    // The report names patients: as through the API (GET
    // /v1/checks/report), it is printed only once its showing is in the
    // audit log, so that a bulk export is accounted for like a record.
    node::AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                         SystemClock::Instance());
    AKARI_TRY(audit.Append({"report.reconciliation",
                            "cli",
                            std::nullopt,
                            {{"changed", r.changed}, {"pending", r.pending}, {"format", format}}}));
    if (format == "json") {
      Print(node::ReportToJson(r).dump(2));
    } else {
      const std::string text = format == "csv" ? node::ReportToCsv(r) : node::ReportToTable(r);
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    return {};
  });
}

}  // namespace akari::cli
