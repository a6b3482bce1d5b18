// Insurer tables. The numbering schemes and check digits are real
// (保険者番号設定要領); the union and employer entries are synthetic, and
// the 3-digit serials of municipal 国保 are assigned here in 地方公共団体コード
// order rather than copied from the real register.
#include "fieldkit/gen/insurers.h"

#include <array>

#include "fieldkit/gen/internal.h"
#include "sync/insurer_number.h"

namespace akari::fieldkit::gen {
namespace {

struct Insurer {
  std::string_view body;  // number without check digit
  std::string_view name;
  std::string_view symbol_prefix;
};

// 健康保険組合 (法別 06): unions with offices in Ishikawa (17) and national
// ones in Tokyo (13) that many employees in the region belong to.
constexpr std::array<Insurer, 10> kKumiai = {{
    {"0617001", "石川県機械工業健康保険組合", ""},
    {"0617002", "北陸電子部品健康保険組合", ""},
    {"0617003", "加賀繊維健康保険組合", ""},
    {"0617004", "能登食品健康保険組合", ""},
    {"0617005", "金沢地域銀行健康保険組合", ""},
    {"0613101", "全国情報サービス産業健康保険組合", ""},
    {"0613102", "全国流通業健康保険組合", ""},
    {"0613103", "全国建設機械健康保険組合", ""},
    {"0613104", "全国自動車部品健康保険組合", ""},
    {"0613105", "全国医薬品卸健康保険組合", ""},
}};

// 共済組合 (法別 31 国家公務員, 32 地方公務員, 33 警察, 34 公立学校).
constexpr std::array<Insurer, 5> kKyosai = {{
    {"3117001", "国家公務員共済組合連合会（北陸）", "国"},
    {"3217001", "地方職員共済組合石川県支部", "石職"},
    {"3217002", "石川県市町村職員共済組合", "石市"},
    {"3317001", "警察共済組合石川県支部", "石警"},
    {"3417001", "公立学校共済組合石川支部", "石教"},
}};

constexpr std::string_view kKyokaiBody = "0117001";
constexpr std::string_view kKyokaiName = "全国健康保険協会石川支部";

// 国保組合 (6 digits, 都道府県 + 3xx).
constexpr std::array<std::string_view, 3> kKumiaiNames = {
    "石川県医師国民健康保険組合", "石川県歯科医師国民健康保険組合", "石川県建設国民健康保険組合"};
constexpr std::array<std::string_view, 3> kKumiaiBodies = {"17301", "17302", "17303"};

}  // namespace

std::string WithCheckDigit(std::string_view body) {
  return std::string(body) + static_cast<char>('0' + sync::InsurerCheckDigit(body));
}

EmployerRef DrawEmployer(Rng& rng) {
  EmployerRef e;
  const double r = rng.Uniform();
  if (r < 0.55) {
    e.scheme = sync::Scheme::kKyokaiKenpo;
    e.employer = rng.Range(0, 1999);
  } else if (r < 0.85) {
    e.scheme = sync::Scheme::kKenpoKumiai;
    e.insurer = rng.Range(0, static_cast<int>(kKumiai.size()) - 1);
    e.employer = rng.Range(0, 49);
  } else {
    e.scheme = sync::Scheme::kKyosai;
    e.insurer = rng.Range(0, static_cast<int>(kKyosai.size()) - 1);
    e.employer = rng.Range(0, 99);
  }
  return e;
}

EmployeeCard EmployeeCardFor(const EmployerRef& employer, std::int64_t insured_id, std::size_t job) {
  EmployeeCard c;
  c.scheme = employer.scheme;
  // Distinct (person, job) pairs give distinct numbers within any 記号.
  const std::uint64_t serial = internal::Scramble(static_cast<std::uint64_t>(insured_id) * 16 + job, 8);
  c.number = std::to_string(serial);
  switch (employer.scheme) {
    case sync::Scheme::kKyokaiKenpo:
      c.insurer_number = WithCheckDigit(kKyokaiBody);
      c.insurer_name = std::string(kKyokaiName);
      // 事業所記号: 8 digits for the employer.
      c.symbol = internal::Padded(static_cast<std::uint64_t>(17000000 + employer.employer * 3137 % 999983), 8);
      break;
    case sync::Scheme::kKenpoKumiai: {
      const Insurer& i = kKumiai[static_cast<std::size_t>(employer.insurer)];
      c.insurer_number = WithCheckDigit(i.body);
      c.insurer_name = std::string(i.name);
      c.symbol = std::to_string(100 + employer.employer);
      break;
    }
    default: {
      const Insurer& i = kKyosai[static_cast<std::size_t>(employer.insurer)];
      c.insurer_number = WithCheckDigit(i.body);
      c.insurer_name = std::string(i.name);
      c.symbol = std::string(i.symbol_prefix) + std::to_string(employer.employer + 1);
      break;
    }
  }
  return c;
}

KokuhoCard MunicipalKokuhoCard(const Municipality& municipality, std::uint64_t household) {
  const auto munis = IshikawaMunicipalities();
  const std::size_t serial = static_cast<std::size_t>(&municipality - munis.data()) + 1;
  KokuhoCard c;
  c.insurer_number = WithCheckDigit("17" + internal::Padded(serial, 3));
  c.insurer_name = std::string(municipality.name);
  c.scheme = sync::Scheme::kKokuho;
  c.symbol = std::string(municipality.short_name);
  c.number = std::to_string(internal::Scramble(household, 7));
  return c;
}

std::span<const std::string_view> KokuhoKumiai() {
  return kKumiaiNames;
}

KokuhoCard KokuhoKumiaiCard(int kumiai, std::uint64_t household) {
  KokuhoCard c;
  const std::size_t k = static_cast<std::size_t>(kumiai);
  c.insurer_number = WithCheckDigit(kKumiaiBodies[k]);
  c.insurer_name = std::string(kKumiaiNames[k]);
  c.scheme = sync::Scheme::kKokuhoKumiai;
  c.symbol = "石" + std::to_string(kumiai + 1);
  c.number = std::to_string(internal::Scramble(household, 7));
  return c;
}

KokiInsurer KokiFor(const Municipality& municipality) {
  // 後期高齢者医療: 39 + 都道府県 + the municipality's 3-digit code.
  return {WithCheckDigit("3917" + std::string(municipality.code.substr(2, 3))), "石川県後期高齢者医療広域連合"};
}

}  // namespace akari::fieldkit::gen
