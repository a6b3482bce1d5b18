// The region's insurers and how their numbers are built: 保険者番号 with a
// valid 検証番号 following the real numbering schemes (法別番号 01 協会けんぽ,
// 06 健保組合, 31–34 共済, 6-digit 市町村国保 and 国保組合, 39 後期高齢者).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fieldkit/gen/random.h"
#include "fieldkit/gen/tables.h"
#include "sync/record.h"

namespace akari::fieldkit::gen {

// Builds a number: `body` followed by its check digit.
std::string WithCheckDigit(std::string_view body);

// An employer, identified by the scheme's table and an index.
struct EmployerRef {
  sync::Scheme scheme = sync::Scheme::kKyokaiKenpo;
  int insurer = 0;   // index into the scheme's insurer table
  int employer = 0;  // 事業所 index (記号 for 協会けんぽ)
};
EmployerRef DrawEmployer(Rng& rng, const Prefecture& prefecture);

struct EmployeeCard {
  std::string insurer_number;
  std::string insurer_name;
  sync::Scheme scheme;
  std::string symbol;
  std::string number;
};
// The card of job `job` of insured person `insured_id`.
EmployeeCard EmployeeCardFor(const Prefecture& prefecture, const EmployerRef& employer, std::int64_t insured_id,
                             std::size_t job);

struct KokuhoCard {
  std::string insurer_number;
  std::string insurer_name;
  sync::Scheme scheme;
  std::string symbol;
  std::string number;  // the 世帯 number
};
// `municipality` is an element of prefecture.municipalities.
KokuhoCard MunicipalKokuhoCard(const Prefecture& prefecture, const Municipality& municipality, std::uint64_t household);
KokuhoCard KokuhoKumiaiCard(const Prefecture& prefecture, int kumiai, std::uint64_t household);

struct KokiInsurer {
  std::string number;
  std::string_view name;
};
KokiInsurer KokiFor(const Prefecture& prefecture, const Municipality& municipality);

}  // namespace akari::fieldkit::gen
