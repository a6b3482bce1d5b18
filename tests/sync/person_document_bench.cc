// Person-document decoding benchmark (docs/benchmarks.md, "Service"): the
// direct MessagePack -> PersonRecord decoder beside the reference path
// (MessagePack -> nlohmann::json -> RecordFromJson), over the documents of
// generated persons stored as a node stores them (format 2, zstd level 6
// against a dictionary trained on the first 3,000 persons).
//
//   person_document_bench [--persons 5000] [--seed 7] [--runs 5]
//
// Each run times every step over all persons, steps interleaved run by run;
// the figures are the medians over runs of the mean per person.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "base/strings.h"
#include "fieldkit/gen/generator.h"
#include "sync/document_dictionary.h"
#include "sync/person_document.h"
#include "sync/record_json.h"

namespace akari {
namespace {

using Steady = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "person_document_bench: %s\n", what.c_str());
  std::exit(1);
}

std::int64_t Flag(int argc, char** argv, const std::string& name, std::int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) {
      const auto v = ParseInt64(argv[i + 1]);
      if (!v || *v <= 0) Die(name + " needs a positive integer");
      return *v;
    }
  }
  return fallback;
}

int Main(int argc, char** argv) {
  fieldkit::gen::RegionOptions options;
  options.persons = Flag(argc, argv, "--persons", 5000);
  options.seed = static_cast<std::uint64_t>(Flag(argc, argv, "--seed", 7));
  options.as_of = 20261126;
  const auto runs = static_cast<std::size_t>(Flag(argc, argv, "--runs", 5));
  std::vector<Bytes> bodies;
  std::size_t lines = 0;
  fieldkit::gen::ForEachPerson(options, [&](sync::PersonRecord&& r) {
    lines += r.dispensings.size();
    bodies.push_back(sync::PackPersonDocumentBody(r));
  });
  const auto trained = sync::TrainDocumentDictionary(
      std::span<const Bytes>(bodies).first(std::min<std::size_t>(3000, bodies.size())), 1);
  if (!trained) Die(trained.error().message);
  const auto dictionary = sync::DocumentDictionary::Create(*trained, 6);
  if (!dictionary) Die(dictionary.error().message);
  std::vector<Bytes> docs;
  std::vector<Bytes> frames;
  std::size_t body_bytes = 0;
  for (const Bytes& body : bodies) {
    auto frame = (*dictionary)->Compress(body);
    if (!frame) Die(frame.error().message);
    Bytes doc = {sync::kPersonDocumentFormatDictionary};
    doc.insert(doc.end(), frame->begin(), frame->end());
    docs.push_back(std::move(doc));
    frames.push_back(std::move(*frame));
    body_bytes += body.size();
  }
  std::printf("%zu persons, %.1f dispensing lines and %.0f bytes of MessagePack per person\n", bodies.size(),
              static_cast<double>(lines) / static_cast<double>(bodies.size()),
              static_cast<double>(body_bytes) / static_cast<double>(bodies.size()));

  std::size_t sink = 0;
  struct Step {
    const char* name;
    std::function<void(std::size_t)> run;
    std::vector<double> means;
  };
  std::vector<Step> steps = {
      {"zstd decompression (dictionary)",
       [&](std::size_t i) { sink += (*dictionary)->Decompress(frames[i], sync::kMaxPersonDocumentBytes)->size(); },
       {}},
      {"MessagePack -> json tree (from_msgpack)",
       [&](std::size_t i) { sink += nlohmann::json::from_msgpack(bodies[i], true, false).size(); },
       {}},
      {"reference body decode (tree + RecordFromJson)",
       [&](std::size_t i) { sink += sync::DecodePersonDocumentBodyReference(bodies[i])->dispensings.size(); },
       {}},
      {"direct body decode (DecodePersonDocumentBodyFast)",
       [&](std::size_t i) { sink += sync::DecodePersonDocumentBodyFast(bodies[i])->dispensings.size(); },
       {}},
      {"DecodePersonDocument (decompression + direct)",
       [&](std::size_t i) { sink += sync::DecodePersonDocument(docs[i], dictionary->get())->dispensings.size(); },
       {}},
  };
  for (std::size_t run = 0; run < runs; ++run) {
    for (Step& step : steps) {
      const auto start = Steady::now();
      for (std::size_t i = 0; i < bodies.size(); ++i) step.run(i);
      const double us = std::chrono::duration<double, std::micro>(Steady::now() - start).count();
      step.means.push_back(us / static_cast<double>(bodies.size()));
    }
  }
  for (Step& step : steps) {
    std::sort(step.means.begin(), step.means.end());
    std::printf("%-52s median %8.1f us/person (runs %.1f..%.1f)\n", step.name, step.means[step.means.size() / 2],
                step.means.front(), step.means.back());
  }
  std::printf("(checksum %zu)\n", sink);
  return 0;
}

}  // namespace
}  // namespace akari

int main(int argc, char** argv) {
  return akari::Main(argc, argv);
}
