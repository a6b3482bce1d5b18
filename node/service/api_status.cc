// GET /v1/status, PUT /v1/mode, GET /v1/checks.
#include <array>

#include "base/strings.h"
#include "node/checks/eligibility.h"
#include "node/service/disaster_mode.h"
#include "node/service/errors.h"
#include "node/service/internal/service_impl.h"
#include "node/store/meta_keys.h"
#include "node/sync/disk_space.h"

namespace akari::node {
namespace {

constexpr std::size_t kMaxChecksPerPage = 500;

// A query parameter as a non-negative integer within [0, max].
ApiResult<std::int64_t> QueryInteger(const net::Request& r, const std::string& name, std::int64_t fallback,
                                     std::int64_t max) {
  const auto it = r.query.find(name);
  if (it == r.query.end()) return fallback;
  const auto v = ParseInt64(it->second);
  if (!v || *v < 0 || *v > max) {
    return Refuse(400, "invalid_query",
                  "query parameter \"" + name + "\" must be a whole number from 0 to " + std::to_string(max));
  }
  return *v;
}

// Free space on the disk holding the node's data, for the UI's warning.
nlohmann::json DiskJson(const std::filesystem::path& dir) {
  auto free = FreeBytes(dir);
  if (!free) return {{"free_bytes", nullptr}, {"low", false}};
  return {{"free_bytes", *free}, {"low", *free < kLowDiskBytes}};
}

}  // namespace

net::Response Service::Impl::StatusGet(Call& call) {
  store::Store& s = call.worker->store;
  auto fresh = Freshness(call.worker->store);
  if (!fresh) return fresh.error().ToResponse();
  auto mode = Mode(call.worker->store);
  if (!mode) return mode.error().ToResponse();
  auto region = s.GetMeta(store::meta::kRegion);
  auto checks = s.database().QueryInt("SELECT count(*) FROM check_record");
  auto pending =
      s.database().QueryInt("SELECT count(*) FROM check_record WHERE seq NOT IN (SELECT check_seq FROM check_upload)");
  auto persons = s.GetMeta("person_count");
  if (!region || !checks || !pending || !persons) {
    return net::Response::Error(500, "store_error", "reading the node's status failed");
  }
  nlohmann::json j = {
      {"node_id", node.keystore.node_id()},
      {"region", *region ? nlohmann::json(**region) : nlohmann::json(nullptr)},
      {"mode", mode->disaster ? "disaster" : "normal"},
      {"mode_reason", mode->reason},
      {"data", DataFreshnessJson(*fresh)},
      {"persons", *persons ? ParseInt64(**persons).value_or(0) : 0},
      {"queue", {{"checks", *checks}, {"pending", *pending}}},
      {"facility", options.facility},
      {"tls_fingerprint", options.tls_fingerprint ? nlohmann::json(*options.tls_fingerprint) : nlohmann::json(nullptr)},
      {"disk", DiskJson(node.dir)},
      {"now", FormatUtc(fresh->now)},
      {"today", sync::FormatDate(TodayInJapan(clock))},
      // The machine's clock is behind the newest signed time the node has
      // seen: "now" and "today" are that time, and the UI asks for the
      // clock to be set right.
      {"clock_behind", wall_clock.Now() < clock.floor()}};
  j["hub"] = nullptr;
  if (const HubLink* link = hub_link.load()) {
    const HubLinkState h = link->State();
    j["hub"] = {{"rounds", h.rounds},
                {"failed_rounds", h.failed_rounds},
                {"checks_uploaded", h.checks_uploaded},
                {"data_version", h.data_version ? nlohmann::json(*h.data_version) : nlohmann::json(nullptr)},
                {"last_success", h.last_success ? nlohmann::json(FormatUtc(*h.last_success)) : nlohmann::json(nullptr)},
                {"last_error", h.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.last_error)},
                {"held_update", nullptr}};
    if (h.held) {
      j["hub"]["held_update"] = {
          {"version", h.held->version},
          {"persons", h.held->persons},
          {"since", FormatUtc(h.held->since)},
          {"apply_by", FormatUtc(h.held->apply_by)},
          {"idle_minutes_needed", std::chrono::duration_cast<std::chrono::minutes>(h.held->idle_needed).count()}};
    }
  }
  return net::Response::Json(200, j);
}

net::Response Service::Impl::ModePut(Call& call) {
  static constexpr std::array<FieldSpec, 2> kFields = {{
      {"mode", FieldType::kString, true, 16},
      {"reason", FieldType::kString, false, kMaxReasonChars},
  }};
  auto body = ParseJsonBody(call.request, kFields);
  if (!body) return body.error().ToResponse();
  const std::string mode = StringField(*body, "mode");
  if (mode != "disaster" && mode != "normal") {
    return net::Response::Error(422, "invalid_mode", "field \"mode\" must be \"disaster\" or \"normal\"");
  }
  const std::string reason = StringField(*body, "reason");
  std::unique_lock lock(write_mu);
  auto changed =
      SetNodeMode(call.worker->store, call.worker->audit, mode == "disaster", reason, call.session->operator_id);
  lock.unlock();
  if (!changed) {
    if (changed.error().code == ServiceErrc::kInvalidArgument)
      return net::Response::Error(422, "invalid_reason", changed.error().message);
    if (changed.error().code == ServiceErrc::kUnchanged)
      return net::Response::Error(409, "mode_unchanged", changed.error().message);
    return StoreFailure(changed.error(), "changing the mode");
  }
  return net::Response::Json(200, {{"mode", mode}, {"reason", reason}});
}

net::Response Service::Impl::HeldUpdateApply(Call& call) {
  HubLink* link = hub_link.load();
  if (link == nullptr) {
    return net::Response::Error(409, "no_hub_link",
                                "this node has no background link to a hub (akari serve --offline, or not enrolled); "
                                "nothing is waiting to be applied");
  }
  const std::optional<HeldFullApply> held = link->State().held;
  if (!held) return net::Response::Error(409, "nothing_held", "no update is waiting to be applied");
  // Audited before it is let go: the entry records the admin's decision.
  if (auto s = AuditOrFail({"sync.release",
                            call.session->operator_id,
                            std::nullopt,
                            {{"version", held->version}, {"persons", held->persons}}});
      !s) {
    return StoreFailure(s.error(), "recording the decision in the audit log");
  }
  if (!link->ApplyHeldNow()) {
    return net::Response::Error(409, "nothing_held", "the update was applied meanwhile");
  }
  return net::Response::Json(
      202, {{"version", held->version},
            {"persons", held->persons},
            {"message", "the update is being applied now; record openings and checks wait while it runs"}});
}

net::Response Service::Impl::ChecksList(Call& call) {
  auto after = QueryInteger(call.request, "after", 0, std::numeric_limits<std::int64_t>::max());
  if (!after) return after.error().ToResponse();
  auto limit = QueryInteger(call.request, "limit", 100, kMaxChecksPerPage);
  if (!limit) return limit.error().ToResponse();
  auto newest_count = QueryInteger(call.request, "last", 0, kMaxChecksPerPage);
  if (!newest_count) return newest_count.error().ToResponse();
  for (const auto& [key, value] : call.request.query) {
    if (key != "after" && key != "limit" && key != "last")
      return net::Response::Error(
          400, "unknown_query",
          "unknown query parameter \"" + key.substr(0, 64) + "\"; this endpoint accepts: after, limit, last");
  }
  const bool newest = call.request.query.contains("last");
  if (newest && (call.request.query.contains("after") || call.request.query.contains("limit") || *newest_count == 0)) {
    return net::Response::Error(400, "invalid_query",
                                "\"last\" (the newest checks, 1 to " + std::to_string(kMaxChecksPerPage) +
                                    ") pages on its own: send it without \"after\" and \"limit\"");
  }
  // The newest are asked for as such: "after the count minus N", with a
  // count read earlier, cut off the checks recorded since.
  auto list = newest ? call.worker->checks.Newest(static_cast<std::size_t>(*newest_count))
                     : call.worker->checks.List(*after, static_cast<std::size_t>(*limit));
  if (!list) return StoreFailure(list.error(), "reading the check queue");
  nlohmann::json items = nlohmann::json::array();
  std::int64_t last = *after;
  for (const CheckRecord& r : *list) {
    const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    const nlohmann::json answer =
        body.is_object() ? body.value("local_answer", nlohmann::json::object()) : nlohmann::json::object();
    items.push_back({{"id", r.id},
                     {"seq", r.seq},
                     {"created_at", FormatUtc(r.created_at)},
                     {"method", CheckMethodName(r.method)},
                     {"assurance", AssuranceName(r.assurance)},
                     {"person_id", r.person_id ? nlohmann::json(*r.person_id) : nlohmann::json(nullptr)},
                     {"operator_id", body.is_object() ? body.value("operator_id", "") : ""},
                     {"status", answer.value("status", "")},
                     {"detail", answer.value("detail", "")},
                     {"detail_code", answer.value("detail_code", "")},
                     {"data_version", r.data_version},
                     {"acknowledged", r.acknowledged}});
    last = r.seq;
  }
  // The newest are the end of the list: nothing more to page to.
  const bool more = !newest && list->size() == static_cast<std::size_t>(*limit) && *limit > 0;
  return net::Response::Json(
      200, {{"checks", std::move(items)}, {"next_after", more ? nlohmann::json(last) : nlohmann::json(nullptr)}});
}

}  // namespace akari::node
