// Households and people: who lives together, when they were born, what
// they are called, where they live, how long they stay in the region, their
// careers and from those the coverage history (ARCHITECTURE.md §3).
#include <algorithm>
#include <array>
#include <optional>

#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/insurers.h"
#include "fieldkit/gen/internal.h"
#include "fieldkit/gen/random.h"
#include "fieldkit/gen/tables.h"

namespace akari::fieldkit::gen {
namespace {

using internal::PersonCore;
using sync::Sex;

constexpr Date kKokiStart = 20080401;    // 後期高齢者医療制度
constexpr Date kBranchStart = 20210401;  // 枝番 on cards

// Japan's population by 5-year age group (thousands, 2024 estimates, 総務省
// 人口推計) and the share of men in each group.
constexpr std::array<double, 21> kPyramid = {4200, 4850, 5250, 5450, 6150, 6350, 6350, 7050, 7750, 8950, 9500,
                                             8250, 7400, 7350, 8850, 7300, 6000, 4000, 2050, 600,  100};
constexpr std::array<double, 21> kMaleShare = {0.512, 0.512, 0.512, 0.513, 0.513, 0.512, 0.510,
                                               0.508, 0.506, 0.505, 0.503, 0.500, 0.494, 0.486,
                                               0.474, 0.455, 0.425, 0.375, 0.300, 0.220, 0.130};

// An age in [lo, hi] following the pyramid, with ages >= `old_from`
// weighted `old_weight` times (older people more often live alone or as a
// couple).
int SampleAge(Rng& rng, int lo, int hi, int old_from = 200, double old_weight = 1.0) {
  std::array<double, 105> w{};
  for (int a = lo; a <= hi && a < 105; ++a) {
    w[static_cast<std::size_t>(a)] = kPyramid[static_cast<std::size_t>(a / 5)] * (a >= old_from ? old_weight : 1.0);
  }
  return static_cast<int>(rng.Weighted(w));
}

Sex SampleSex(Rng& rng, int age) {
  return rng.Chance(kMaleShare[static_cast<std::size_t>(std::min(age, 104) / 5)]) ? Sex::kMale : Sex::kFemale;
}

enum class Role : std::uint8_t { kHead, kSpouse, kChild, kElder };

struct MemberPlan {
  Role role;
  int age;  // at kPopulationDate
  Sex sex;
};

struct HouseholdPlan {
  std::vector<MemberPlan> members;
  int municipality = 0;
  int income = 2;       // 0 highest … 4 lowest (住民税非課税)
  bool kumiai = false;  // self-employed members belong to a 国保組合
  int kumiai_index = 0;
  int surname = 0;
  Date moved_out = 0;  // 0 = never
};

constexpr double kSingleOld = 2.2;
constexpr double kCoupleOld = 2.5;

HouseholdPlan PlanHousehold(const GenContext& ctx, std::uint64_t index) {
  Rng rng(ctx.key, Stream::kHousehold, index);
  HouseholdPlan plan;
  // 単独, 夫婦のみ, 夫婦と子, ひとり親と子, 三世代 (国勢調査 shares, tuned so
  // that the members' ages follow the pyramid).
  static constexpr std::array<double, 5> kTypes = {0.36, 0.28, 0.19, 0.05, 0.12};
  const std::size_t type = rng.Weighted(kTypes);
  auto add = [&](Role role, int age, Sex sex) { plan.members.push_back({role, std::clamp(age, 0, 104), sex}); };
  auto opposite = [](Sex s) { return s == Sex::kMale ? Sex::kFemale : Sex::kMale; };
  auto children = [&](int parent_age, int count) {
    for (int i = 0; i < count; ++i) {
      // The parent was 24–38 at the birth; adult children often stay at home.
      int age = parent_age - rng.Range(24, 38);
      if (age < 0) age = rng.Range(0, std::max(0, parent_age - 24));
      add(Role::kChild, age, rng.Chance(0.512) ? Sex::kMale : Sex::kFemale);
    }
  };
  if (type == 0) {
    const int age = SampleAge(rng, 19, 104, 65, kSingleOld);
    add(Role::kHead, age, SampleSex(rng, age));
  } else if (type == 1) {
    const int age = SampleAge(rng, 24, 100, 60, kCoupleOld);
    const Sex sex = rng.Chance(0.8) ? Sex::kMale : Sex::kFemale;
    add(Role::kHead, age, sex);
    add(Role::kSpouse, age + static_cast<int>(rng.Normal(sex == Sex::kMale ? -2 : 2, 3)), opposite(sex));
  } else if (type == 2 || type == 4) {
    const int age = SampleAge(rng, 27, 58);
    add(Role::kHead, age, Sex::kMale);
    add(Role::kSpouse, age + static_cast<int>(rng.Normal(-2, 3)), Sex::kFemale);
    static constexpr std::array<double, 3> kKids = {0.5, 0.4, 0.1};
    children(age, 1 + static_cast<int>(rng.Weighted(kKids)));
    if (type == 4) {
      const int elders = rng.Chance(0.5) ? 2 : 1;
      const int elder_age = age + rng.Range(25, 34);
      add(Role::kElder, elder_age, elders == 2 ? Sex::kMale : (rng.Chance(0.3) ? Sex::kMale : Sex::kFemale));
      if (elders == 2) add(Role::kElder, elder_age - rng.Range(0, 4), Sex::kFemale);
    }
  } else {
    const int age = SampleAge(rng, 27, 58);
    add(Role::kHead, age, rng.Chance(0.85) ? Sex::kFemale : Sex::kMale);
    children(age, rng.Chance(0.6) ? 1 : 2);
  }
  const auto munis = ctx.prefecture->municipalities;
  std::array<double, 64> weights{};
  for (std::size_t i = 0; i < munis.size() && i < weights.size(); ++i) weights[i] = munis[i].population;
  plan.municipality = static_cast<int>(rng.Weighted(std::span<const double>(weights.data(), munis.size())));
  static constexpr std::array<double, 5> kIncome = {0.08, 0.15, 0.40, 0.27, 0.10};
  plan.income = static_cast<int>(rng.Weighted(kIncome));
  plan.kumiai = rng.Chance(0.08);
  plan.kumiai_index = rng.Range(0, static_cast<int>(ctx.prefecture->kokuho_kumiai_names.size()) - 1);
  plan.surname = rng.Range(0, static_cast<int>(Surnames().size()) - 1);
  // Moving out of the prefecture (the household's coverage here ends).
  const int head_age = plan.members.front().age;
  const double move_rate = head_age < 40 ? 0.012 : 0.003;
  for (int y = 0; AddYears(kPopulationDate, y) < internal::kHorizon; ++y) {
    if (rng.Chance(move_rate)) {
      plan.moved_out = AddDays(AddYears(kPopulationDate, y), rng.Range(0, 364));
      break;
    }
  }
  return plan;
}

// Gompertz mortality close to Japan's life tables.
Date DeathDate(const GenContext& ctx, std::int64_t id, Date birth, Sex sex) {
  Rng rng(ctx.key, Stream::kLife, static_cast<std::uint64_t>(id));
  const double a = sex == Sex::kMale ? 2.5e-5 : 1.1e-5;
  const double b = sex == Sex::kMale ? 0.097 : 0.101;
  for (int y = 0; AddYears(kPopulationDate, y) < internal::kHorizon; ++y) {
    const Date start = AddYears(kPopulationDate, y);
    const double q = std::min(0.6, a * std::exp(b * sync::AgeOn(birth, start)));
    if (rng.Chance(q)) return AddDays(start, rng.Range(0, 364));
  }
  return 0;
}

// One job: [from, to) with an employee scheme.
struct Job {
  Date from = 0;
  Date to = 0;
  EmployerRef employer;
};

// Whether the person works as an employee, and their jobs (as-of free).
std::vector<Job> Career(const GenContext& ctx, std::int64_t id, Date birth, Sex sex, Role role) {
  std::vector<Job> jobs;
  Rng rng(ctx.key, Stream::kCareer, static_cast<std::uint64_t>(id));
  double employee_share = sex == Sex::kMale ? 0.85 : 0.68;
  if (role == Role::kSpouse && sex == Sex::kFemale) employee_share = 0.45;
  if (!rng.Chance(employee_share)) return jobs;
  Date d = AddDays(BirthdayAt(birth, 18 + rng.Range(0, 5)), rng.Range(0, 200));
  const Date retire = AddDays(BirthdayAt(birth, 60 + rng.Range(0, 6)), rng.Range(0, 60));
  while (d < retire && d < internal::kHorizon) {
    Job job;
    job.from = d;
    job.to = std::min(retire, AddDays(d, rng.Range(3 * 365, 25 * 365)));
    job.employer = DrawEmployer(rng, *ctx.prefecture);
    jobs.push_back(job);
    d = rng.Chance(0.85) ? job.to : AddDays(job.to, rng.Range(20, 180));
  }
  return jobs;
}

struct Member {
  PersonCore core;
  Role role;
  int order;  // position in the household (0-based)
  Date koki_from;
  Date job_start;  // first job (children stop being dependents), 0 = none
  std::vector<Job> jobs;
  bool death = false;  // core.end is a death
};

const Job* JobOn(const Member& m, Date d) {
  for (const Job& j : m.jobs) {
    if (j.from <= d && d < j.to) return &j;
  }
  return nullptr;
}

bool Alive(const Member& m, Date d) {
  return d >= m.core.birth && (m.core.end == 0 || d < m.core.end);
}

// The coverage a member has on `d`, as comparable state.
struct CoverageState {
  enum Kind : std::uint8_t { kNone, kKoki, kEmployee, kDependent, kKokuho } kind = kNone;
  const Member* insured = nullptr;  // whose job (employee / dependent)
  const Job* job = nullptr;
  friend bool operator==(const CoverageState&, const CoverageState&) = default;
};

const Member* Provider(const std::vector<Member>& members, const Member& m, Date d) {
  auto employed = [&](const Member& p) { return Alive(p, d) && d < p.koki_from && JobOn(p, d) != nullptr; };
  if (m.role == Role::kSpouse || m.role == Role::kChild) {
    for (const Role r : {Role::kHead, Role::kSpouse}) {
      for (const Member& p : members) {
        if (p.role == r && &p != &m && employed(p)) return &p;
      }
    }
  }
  return nullptr;
}

CoverageState StateOn(const std::vector<Member>& members, const Member& m, Date d) {
  CoverageState s;
  if (!Alive(m, d)) return s;
  if (d >= m.koki_from) {
    s.kind = CoverageState::kKoki;
    return s;
  }
  if (const Job* job = JobOn(m, d)) {
    s.kind = CoverageState::kEmployee;
    s.insured = &m;
    s.job = job;
    return s;
  }
  const bool dependent_child =
      m.role == Role::kChild && (m.job_start == 0 || d < m.job_start) && d < BirthdayAt(m.core.birth, 23);
  const bool dependent_spouse = m.role == Role::kSpouse && m.jobs.empty();
  if (dependent_child || dependent_spouse) {
    if (const Member* p = Provider(members, m, d)) {
      s.kind = CoverageState::kDependent;
      s.insured = p;
      s.job = JobOn(*p, d);
      return s;
    }
  }
  s.kind = CoverageState::kKokuho;
  return s;
}

int CopayPercent(const Member& m, const CoverageState& s, Date on, int income) {
  if (s.kind == CoverageState::kKoki) {
    if (income == 0) return 30;
    if (income == 1 && on >= 20221001) return 20;
    return 10;
  }
  if (on < SchoolStart(m.core.birth)) return 20;
  if (on >= MonthStartOnOrAfter(BirthdayAt(m.core.birth, 70))) return income == 0 ? 30 : 20;
  return 30;
}

std::string HighCostCategory(const Member& m, const CoverageState& s, Date on, int income) {
  const bool elderly = s.kind == CoverageState::kKoki || on >= MonthStartOnOrAfter(BirthdayAt(m.core.birth, 70));
  if (!elderly) {
    static constexpr std::array<const char*, 5> kUnder70 = {"ア", "イ", "ウ", "エ", "オ"};
    return kUnder70[static_cast<std::size_t>(income)];
  }
  if (income == 0) return "現役並みⅡ";
  if (s.kind == CoverageState::kKoki && on >= 20221001)
    return income == 1 ? "一般Ⅱ" : (income == 2 ? "一般Ⅰ" : (income == 3 ? "低所得Ⅱ" : "低所得Ⅰ"));
  return income <= 2 ? "一般" : (income == 3 ? "低所得Ⅱ" : "低所得Ⅰ");
}

sync::Coverage ToCoverage(const Prefecture& pref, const Member& m, const CoverageState& s, const HouseholdPlan& plan,
                          std::uint64_t household) {
  sync::Coverage c;
  const Municipality& muni = pref.municipalities[static_cast<std::size_t>(plan.municipality)];
  switch (s.kind) {
    case CoverageState::kKoki: {
      const KokiInsurer k = KokiFor(pref, muni);
      c.insurer_number = k.number;
      c.insurer_name = std::string(k.name);
      c.scheme = sync::Scheme::kKoki;
      c.number = internal::Padded(internal::Scramble(static_cast<std::uint64_t>(m.core.id), 8), 8);
      break;
    }
    case CoverageState::kEmployee:
    case CoverageState::kDependent: {
      const std::size_t job_index = static_cast<std::size_t>(s.job - s.insured->jobs.data());
      const EmployeeCard card = EmployeeCardFor(pref, s.job->employer, s.insured->core.id, job_index);
      c.insurer_number = card.insurer_number;
      c.insurer_name = card.insurer_name;
      c.scheme = card.scheme;
      c.symbol = card.symbol;
      c.number = card.number;
      c.relationship =
          s.kind == CoverageState::kEmployee ? sync::Relationship::kInsured : sync::Relationship::kDependent;
      c.branch = s.kind == CoverageState::kEmployee ? "00" : internal::Padded(static_cast<std::uint64_t>(m.order), 2);
      break;
    }
    case CoverageState::kKokuho: {
      const KokuhoCard card = plan.kumiai ? KokuhoKumiaiCard(pref, plan.kumiai_index, household)
                                          : MunicipalKokuhoCard(pref, muni, household);
      c.insurer_number = card.insurer_number;
      c.insurer_name = card.insurer_name;
      c.scheme = card.scheme;
      c.symbol = card.symbol;
      c.number = card.number;
      c.branch = internal::Padded(static_cast<std::uint64_t>(m.order + 1), 2);
      break;
    }
    case CoverageState::kNone:
      break;
  }
  return c;
}

std::vector<Date> Breakpoints(const std::vector<Member>& members, const Member& m) {
  std::vector<Date> points = {m.core.birth, m.koki_from, BirthdayAt(m.core.birth, 23)};
  for (const Member& p : members) {
    if (p.core.end != 0) points.push_back(p.core.end);
    points.push_back(p.koki_from);
    for (const Job& j : p.jobs) {
      points.push_back(j.from);
      points.push_back(j.to);
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

void AddCoverages(const GenContext& ctx, const std::vector<Member>& members, const Member& m, const HouseholdPlan& plan,
                  std::uint64_t household, sync::PersonRecord& record) {
  const Date window = internal::WindowStart(ctx.as_of, kCoverageHistoryYears);
  CoverageState current;
  Date from = 0;
  auto emit = [&](const CoverageState& s, Date start, Date end) {
    if (s.kind == CoverageState::kNone || start > ctx.as_of) return;
    if (end != 0 && end <= window) return;
    sync::Coverage c = ToCoverage(*ctx.prefecture, m, s, plan, household);
    c.valid_from = std::max(start, s.kind == CoverageState::kKoki ? kKokiStart : start);
    const bool ended = end != 0 && end <= ctx.as_of;
    c.valid_to = ended ? end : 0;
    if (ended) {
      if (end == m.core.end) {
        c.loss_reason = m.death ? sync::LossReason::kDeath : sync::LossReason::kOther;
      } else {
        c.loss_reason = sync::LossReason::kOtherInsurance;
      }
      if (end < kBranchStart) c.branch.clear();
    }
    const Date on = ended ? AddDays(end, -1) : ctx.as_of;
    c.copay_percent = CopayPercent(m, s, on, plan.income);
    c.high_cost_category = HighCostCategory(m, s, on, plan.income);
    record.coverages.push_back(std::move(c));
  };
  for (const Date d : Breakpoints(members, m)) {
    if (d < m.core.birth || d >= internal::kHorizon) continue;
    const CoverageState s = StateOn(members, m, d);
    if (s == current && from != 0) continue;
    if (from != 0) emit(current, from, d);
    current = s;
    from = d;
  }
  if (from != 0) emit(current, from, 0);
}

std::string FullName(std::string_view family, std::string_view given) {
  std::string out(family);
  out += "\u3000";
  out += given;
  return out;
}

sync::Address MakeAddress(const GenContext& ctx, std::uint64_t household, const HouseholdPlan& plan) {
  Rng rng(ctx.key, Stream::kHousehold, household, 1);
  const Municipality& muni = ctx.prefecture->municipalities[static_cast<std::size_t>(plan.municipality)];
  sync::Address a;
  const std::string_view prefix = rng.Pick(muni.postal_prefixes);
  a.postal_code = std::string(prefix) + internal::Padded(static_cast<std::uint64_t>(rng.Range(11, 999)), 3);
  a.prefecture = std::string(ctx.prefecture->name);
  a.municipality = std::string(muni.name);
  a.rest = std::string(rng.Pick(muni.towns));
  if (rng.Chance(0.6)) {
    a.rest += std::to_string(rng.Range(1, 5)) + "丁目" + std::to_string(rng.Range(1, 30)) + "番" +
              std::to_string(rng.Range(1, 25)) + "号";
  } else {
    a.rest += std::to_string(rng.Range(1, 300)) + "番地";
    if (rng.Chance(0.3)) a.rest += std::to_string(rng.Range(1, 12));
  }
  return a;
}

}  // namespace

int HouseholdSize(const GenContext& ctx, std::uint64_t index) {
  return static_cast<int>(PlanHousehold(ctx, index).members.size());
}

std::vector<sync::PersonRecord> GenerateHousehold(const GenContext& ctx, std::uint64_t index, std::int64_t first_id) {
  const HouseholdPlan plan = PlanHousehold(ctx, index);
  std::vector<Member> members;
  members.reserve(plan.members.size());
  for (std::size_t i = 0; i < plan.members.size(); ++i) {
    const MemberPlan& mp = plan.members[i];
    Member m;
    m.core.id = first_id + static_cast<std::int64_t>(i);
    Rng rng(ctx.key, Stream::kPerson, static_cast<std::uint64_t>(m.core.id));
    m.core.birth = AddDays(AddYears(kPopulationDate, -mp.age), -rng.Range(0, 364));
    m.core.sex = mp.sex;
    m.core.municipality = plan.municipality;
    m.core.household = index;
    m.role = mp.role;
    m.order = static_cast<int>(i);
    const Date death = DeathDate(ctx, m.core.id, m.core.birth, m.core.sex);
    m.death = death != 0 && (plan.moved_out == 0 || death < plan.moved_out);
    m.core.end = m.death ? death : plan.moved_out;
    m.koki_from = std::max(BirthdayAt(m.core.birth, 75), kKokiStart);
    m.jobs = Career(ctx, m.core.id, m.core.birth, m.core.sex, m.role);
    m.job_start = m.jobs.empty() ? 0 : m.jobs.front().from;
    members.push_back(std::move(m));
  }
  const NameEntry& family = Surnames()[static_cast<std::size_t>(plan.surname)];
  const sync::Address address = MakeAddress(ctx, index, plan);
  std::vector<sync::PersonRecord> out;
  for (const Member& m : members) {
    if (m.core.id > ctx.persons) break;
    sync::PersonRecord r;
    Rng rng(ctx.key, Stream::kPerson, static_cast<std::uint64_t>(m.core.id), 1);
    const NameEntry& given = rng.Pick(GivenNames(m.core.sex, Year(m.core.birth)));
    r.person.id = m.core.id;
    r.person.name = FullName(family.kanji, given.kanji);
    r.person.name_kana = FullName(family.kana, given.kana);
    r.person.birth_date = m.core.birth;
    r.person.sex = m.core.sex;
    r.person.address = address;
    AddCoverages(ctx, members, m, plan, index, r);
    const bool present = m.core.end == 0 || m.core.end > ctx.as_of || !m.death;
    if (present) {
      const std::vector<CardIssuance> cards = CardTimeline(ctx, m.core.id, m.core.birth);
      const CardIssuance* linked = nullptr;
      for (const CardIssuance& c : cards) {
        if (c.issued <= ctx.as_of) linked = &c;
      }
      if (linked != nullptr) r.card_links.push_back({ctx.issuer_hex, ToHex(linked->serial)});
    }
    internal::AddClinical(ctx, m.core, r);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace akari::fieldkit::gen
