#include "sync/client/plan.h"

#include "base/saturating.h"

namespace akari::sync::client {
namespace {

using publication::ObjectRef;

std::int64_t Cost(const ObjectRef& o, const HeldState& held) {
  return held.staged.contains(o.hash) ? 0 : o.size;
}

// The deltas leading from `from` to the manifest's version, if listed.
std::optional<std::vector<publication::DeltaRef>> Chain(const publication::Manifest& m, std::int64_t from) {
  std::vector<publication::DeltaRef> chain;
  bool started = false;
  for (const auto& d : m.deltas) {
    if (!started && d.from != from) continue;
    started = true;
    chain.push_back(d);
  }
  if (!started || chain.back().to != m.version) return std::nullopt;
  return chain;
}

void AddCommon(const publication::Manifest& m, const HeldState& held, SyncPlan& plan) {
  for (const auto& d : m.dictionaries) {
    if (!held.dictionary_ids.contains(d.id)) plan.dictionaries.push_back(d);
  }
  std::set<std::string> ids;
  for (const auto& t : m.trust) ids.insert(t.id);
  plan.replace_trust = ids != held.trust_ids;
}

void Finish(const publication::Manifest& m, const HeldState& held, SyncPlan& plan) {
  std::set<std::string> seen;
  auto add = [&](const ObjectRef& o) {
    if (!seen.insert(o.hash).second) return;
    plan.objects.push_back(o);
    plan.bytes_to_fetch += Cost(o, held);
  };
  for (const auto& d : plan.chain) {
    for (const auto& o : d.objects) add(o);
  }
  for (const auto& c : plan.chunks) add(c.object);
  for (const auto& d : plan.dictionaries) add(d.object);
  if (plan.replace_trust) {
    for (const auto& t : m.trust) add(t.object);
  }
}

SyncPlan FullPlan(const publication::Manifest& m, const HeldState& held) {
  SyncPlan plan;
  plan.mode = SyncPlan::Mode::kFull;
  plan.replace_all = !held.data_version || held.chunk_ids.empty();
  std::set<std::string> wanted;
  for (const auto& c : m.chunks) {
    wanted.insert(c.id);
    if (plan.replace_all || !held.chunk_ids.contains(c.id)) {
      plan.chunks.push_back(c);
      plan.full_bytes += Cost(c.object, held);
    }
  }
  if (!plan.replace_all) {
    for (const auto& id : held.chunk_ids) {
      if (!wanted.contains(id)) plan.drop_chunk_ids.push_back(id);
    }
  }
  return plan;
}

}  // namespace

SyncPlan PlanFullSync(const publication::Manifest& manifest, const HeldState& held) {
  SyncPlan plan = FullPlan(manifest, held);
  AddCommon(manifest, held, plan);
  Finish(manifest, held, plan);
  return plan;
}

SyncPlan PlanSync(const publication::Manifest& manifest, const HeldState& held) {
  SyncPlan full = FullPlan(manifest, held);
  std::optional<std::vector<publication::DeltaRef>> chain;
  if (held.data_version) chain = Chain(manifest, *held.data_version);
  std::int64_t delta_bytes = -1;
  if (chain) {
    delta_bytes = 0;
    for (const auto& d : *chain) {
      for (const auto& o : d.objects) delta_bytes += Cost(o, held);
    }
  }
  SyncPlan plan;
  if (chain && delta_bytes <= full.full_bytes) {
    plan.mode = SyncPlan::Mode::kDelta;
    plan.chain = std::move(*chain);
    plan.full_bytes = full.full_bytes;
  } else {
    plan = std::move(full);
  }
  plan.delta_bytes = delta_bytes;
  AddCommon(manifest, held, plan);
  Finish(manifest, held, plan);
  return plan;
}

std::int64_t PersonsToWrite(const SyncPlan& plan) {
  std::int64_t persons = 0;
  if (plan.mode == SyncPlan::Mode::kDelta) {
    for (const auto& d : plan.chain) persons = SaturatingAdd(persons, d.upserts);
  } else {
    for (const auto& c : plan.chunks) persons = SaturatingAdd(persons, c.persons);
  }
  return persons;
}

}  // namespace akari::sync::client
