// GET /v1/persons/{id}: the person summary, for a session that identified
// the person through a check; every opening is audited before it is shown.
#include "base/log.h"
#include "base/strings.h"
#include "node/checks/eligibility.h"
#include "node/service/internal/service_impl.h"

namespace akari::node {

void Service::Impl::PersonGet(Call& call, net::Responder responder) {
  auto answer = [&responder](net::Response response) { std::move(responder)(std::move(response)); };
  // As on every route, an operator removed since login is the first
  // refusal. It is read in the transaction below; a request refused before
  // that reads it here, so a removed operator learns nothing else.
  auto refuse = [&](net::Response refusal) {
    {
      std::lock_guard lock(shared->mu);
      if (auto active = OperatorStillActive(*shared, *call.session); !active) refusal = Refusal(active.error());
    }
    answer(std::move(refusal));
  };
  // HEAD would be audited as an opening that showed nothing: only GET.
  if (call.request.method == "HEAD") {
    net::Response r = net::Response::Error(405, "method_not_allowed", "a record is opened with GET");
    r.headers.Set("Allow", "GET");
    return refuse(std::move(r));
  }
  const std::string& id_text = call.request.params.at("id");
  const auto id = ParseInt64(id_text);
  if (!id || *id <= 0) {
    return refuse(net::Response::Error(400, "invalid_person_id", "a person id is a positive whole number"));
  }
  const auto grant = sessions.FindGrant(call.session->key, *id);
  if (!grant) {
    return refuse(
        net::Response::Error(403, "not_identified",
                             "identify the patient first in this session: read their card, or check the numbers "
                             "on their 資格確認書 (in disaster mode: a disaster search)"));
  }
  // Read through the shared connection, holding it only for the reads
  // (service_impl.h says why); decoded outside it. One read transaction:
  // the operator still active (RouteAsync left that check to this), the
  // mode for a record found by a disaster search, the record and the data
  // version it came from, even when a snapshot apply commits meanwhile.
  std::optional<store::Store::EncodedPerson> encoded;
  ApiResult<DataFreshness> fresh = DataFreshness{};
  // Set when the answer is a refusal or a failure, sent once `shared` is free.
  std::optional<net::Response> early = [&]() -> std::optional<net::Response> {
    std::lock_guard lock(shared->mu);
    auto snapshot = store::ReadTransaction::Begin(shared->store.database());
    if (!snapshot) return StoreFailure(snapshot.error(), "reading the person's record");
    if (auto active = OperatorStillActive(*shared, *call.session); !active) return Refusal(active.error());
    if (grant->basis == AccessGrant::Basis::kDisasterSearch) {
      auto mode = Mode(shared->store);
      if (!mode) return mode.error().ToResponse();
      // The grant ends with the declaration it was made under, even when
      // disaster mode has been declared again since.
      if (!mode->disaster || mode->change_seq != grant->mode_change_seq) {
        return net::Response::Error(403, "disaster_mode_off",
                                    "this record was found by a disaster search, and that disaster mode has ended; "
                                    "identify the patient by card or insurance numbers (or search again)");
      }
    }
    auto read = shared->store.ReadEncodedPerson(*id);
    if (!read) return StoreFailure(read.error(), "reading the person's record");
    encoded = std::move(*read);
    if (encoded) fresh = SharedFreshness();
    if (auto s = snapshot->End(); !s) return StoreFailure(s.error(), "reading the person's record");
    return std::nullopt;
  }();
  if (early) return answer(std::move(*early));
  if (!encoded) {
    return answer(net::Response::Error(404, "person_not_found",
                                       "person " + std::to_string(*id) + " is no longer in this node's data"));
  }
  if (!fresh) return answer(fresh.error().ToResponse());
  auto person = encoded->Decode();
  if (!person) return answer(StoreFailure(person.error(), "reading the person's record"));

  nlohmann::json access = {{"basis", GrantBasisName(grant->basis)},
                           {"check_id", grant->check_id},
                           {"assurance", AssuranceName(grant->assurance)}};
  nlohmann::json detail = access;
  if (!grant->reason.empty()) {
    access["reason"] = grant->reason;
    detail["reason"] = grant->reason;
  }
  // Written as text directly: building a JSON tree first cost as much as the rest of the request.
  net::Response response;
  response.status = 200;
  response.headers.Set("Content-Type", "application/json; charset=utf-8");
  response.body = PersonSummaryText(*person, TodayInJapan(clock), *fresh, &access);
  // Sent once the opening is in the audit log; no server thread waits for
  // that meanwhile.
  AnswerOnceAudited({"record.open", call.session->operator_id, *id, std::move(detail)}, std::move(response),
                    std::move(responder));
}

}  // namespace akari::node
