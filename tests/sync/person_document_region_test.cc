// The direct person-document decoder against the reference path on every
// person of a generated region (fieldkit/gen, as `akari-gen region
// --persons 2000 --seed 3` generates them).
#include <gtest/gtest.h>

#include "fieldkit/gen/generator.h"
#include "sync/document_dictionary.h"
#include "sync/person_document.h"
#include "sync/record_json.h"

namespace akari::sync {
namespace {

TEST(PersonDocumentRegionTest, FastDecoderGivesTheReferenceRecordForEveryPerson) {
  fieldkit::gen::RegionOptions options;
  options.seed = 3;
  options.persons = 2000;
  options.as_of = 20261126;
  std::vector<PersonRecord> records;
  fieldkit::gen::ForEachPerson(options, [&](PersonRecord&& r) { records.push_back(std::move(r)); });
  ASSERT_EQ(records.size(), 2000u);

  std::vector<Bytes> bodies;
  for (const PersonRecord& r : records) bodies.push_back(PackPersonDocumentBody(r));
  const auto trained = TrainDocumentDictionary(std::span<const Bytes>(bodies).first(300), 7);
  ASSERT_TRUE(trained) << trained.error().message;
  const auto dictionary = DocumentDictionary::Create(*trained);
  ASSERT_TRUE(dictionary) << dictionary.error().message;

  std::size_t dispensings = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE("person " + std::to_string(records[i].person.id));
    const auto fast = DecodePersonDocumentBodyFast(bodies[i]);
    const auto reference = DecodePersonDocumentBodyReference(bodies[i]);
    ASSERT_TRUE(reference) << reference.error().message;
    ASSERT_TRUE(fast);
    EXPECT_EQ(*fast, *reference);
    PersonRecord expected = records[i];
    expected.card_links.clear();
    EXPECT_EQ(*fast, expected);
    dispensings += fast->dispensings.size();
    if (i % 20 != 0) continue;
    // And the JSON forms, and the whole document, format 2, as a node
    // stores it (every 20th person: the sanitizer build is slow).
    EXPECT_EQ(RecordToJson(*fast), RecordToJson(*reference));
    const auto doc = EncodePersonDocument(records[i], **dictionary);
    ASSERT_TRUE(doc);
    const auto decoded = DecodePersonDocument(*doc, dictionary->get());
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, expected);
  }
  EXPECT_GT(dispensings, 2000u);  // the region has real medication histories
}

}  // namespace
}  // namespace akari::sync
