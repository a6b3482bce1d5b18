// How the region's insurer numbers are built: 保険者番号 with a valid
// 検証番号 following the real numbering schemes (保険者番号設定要領). The
// tables (which insurers a prefecture has) are in prefectures.cc; the
// 3-digit serials of municipal 国保 are assigned here in 地方公共団体コード
// order rather than copied from the real register.
#include "fieldkit/gen/insurers.h"

#include "fieldkit/gen/internal.h"
#include "sync/insurer_number.h"

namespace akari::fieldkit::gen {

std::string WithCheckDigit(std::string_view body) {
  return std::string(body) + static_cast<char>('0' + sync::InsurerCheckDigit(body));
}

EmployerRef DrawEmployer(Rng& rng, const Prefecture& prefecture) {
  EmployerRef e;
  const double r = rng.Uniform();
  if (r < 0.55) {
    e.scheme = sync::Scheme::kKyokaiKenpo;
    e.employer = rng.Range(0, 1999);
  } else if (r < 0.85) {
    e.scheme = sync::Scheme::kKenpoKumiai;
    e.insurer = rng.Range(0, static_cast<int>(prefecture.kenpo_kumiai.size()) - 1);
    e.employer = rng.Range(0, 49);
  } else {
    e.scheme = sync::Scheme::kKyosai;
    e.insurer = rng.Range(0, static_cast<int>(prefecture.kyosai.size()) - 1);
    e.employer = rng.Range(0, 99);
  }
  return e;
}

EmployeeCard EmployeeCardFor(const Prefecture& prefecture, const EmployerRef& employer, std::int64_t insured_id,
                             std::size_t job) {
  EmployeeCard c;
  c.scheme = employer.scheme;
  // Distinct (person, job) pairs give distinct numbers within any 記号.
  const std::uint64_t serial = internal::Scramble(static_cast<std::uint64_t>(insured_id) * 16 + job, 8);
  c.number = std::to_string(serial);
  switch (employer.scheme) {
    case sync::Scheme::kKyokaiKenpo: {
      c.insurer_number = WithCheckDigit(prefecture.kyokai_body);
      c.insurer_name = std::string(prefecture.kyokai_name);
      // 事業所記号: 8 digits for the employer, led by the 都道府県コード.
      const std::uint64_t pref =
          static_cast<std::uint64_t>((prefecture.code[0] - '0') * 10 + (prefecture.code[1] - '0'));
      c.symbol = internal::Padded(pref * 1000000 + static_cast<std::uint64_t>(employer.employer * 3137 % 999983), 8);
      break;
    }
    case sync::Scheme::kKenpoKumiai: {
      const InsurerEntry& i = prefecture.kenpo_kumiai[static_cast<std::size_t>(employer.insurer)];
      c.insurer_number = WithCheckDigit(i.body);
      c.insurer_name = std::string(i.name);
      c.symbol = std::to_string(100 + employer.employer);
      break;
    }
    default: {
      const InsurerEntry& i = prefecture.kyosai[static_cast<std::size_t>(employer.insurer)];
      c.insurer_number = WithCheckDigit(i.body);
      c.insurer_name = std::string(i.name);
      c.symbol = std::string(i.symbol_prefix) + std::to_string(employer.employer + 1);
      break;
    }
  }
  return c;
}

KokuhoCard MunicipalKokuhoCard(const Prefecture& prefecture, const Municipality& municipality,
                               std::uint64_t household) {
  const std::size_t serial = static_cast<std::size_t>(&municipality - prefecture.municipalities.data()) + 1;
  KokuhoCard c;
  c.insurer_number = WithCheckDigit(std::string(prefecture.code) + internal::Padded(serial, 3));
  c.insurer_name = std::string(municipality.name);
  c.scheme = sync::Scheme::kKokuho;
  c.symbol = std::string(municipality.short_name);
  c.number = std::to_string(internal::Scramble(household, 7));
  return c;
}

KokuhoCard KokuhoKumiaiCard(const Prefecture& prefecture, int kumiai, std::uint64_t household) {
  KokuhoCard c;
  const std::size_t k = static_cast<std::size_t>(kumiai);
  c.insurer_number = WithCheckDigit(prefecture.kokuho_kumiai_bodies[k]);
  c.insurer_name = std::string(prefecture.kokuho_kumiai_names[k]);
  c.scheme = sync::Scheme::kKokuhoKumiai;
  c.symbol = std::string(prefecture.kokuho_kumiai_symbol) + std::to_string(kumiai + 1);
  c.number = std::to_string(internal::Scramble(household, 7));
  return c;
}

KokiInsurer KokiFor(const Prefecture& prefecture, const Municipality& municipality) {
  // 後期高齢者医療: 39 + the municipality's 5-digit 地方公共団体コード
  // (都道府県 + 3 digits), e.g. 3917201x for 金沢市.
  return {WithCheckDigit("39" + std::string(municipality.code)), prefecture.koki_name};
}

}  // namespace akari::fieldkit::gen
