// Checks proto/otlp/otlp_trace.proto against the published OTLP field numbers and types: an export
// request is encoded here by hand, field by field, from the numbers of the OTLP specification
// (opentelemetry-proto trace/v1, common/v1, resource/v1, collector/trace/v1), then decoded with the
// generated messages. A wrong number or type leaves the value unread (an unknown field), which fails.
#include <cstdint>
#include <cstring>
#include <string>

#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "otlp/otlp_trace.pb.h"

namespace docval::tracing {
namespace {

// The protobuf encoding, written out: tag = number << 3 | wire type.
class Wire {
 public:
  Wire& Varint(int field, uint64_t v) {
    Tag(field, 0);
    Raw(v);
    return *this;
  }
  Wire& Fixed64(int field, uint64_t v) {
    Tag(field, 1);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Wire& Double(int field, double d) {
    uint64_t v;
    std::memcpy(&v, &d, sizeof v);
    return Fixed64(field, v);
  }
  Wire& Fixed32(int field, uint32_t v) {
    Tag(field, 5);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Wire& Bytes(int field, const std::string& b) {
    Tag(field, 2);
    Raw(b.size());
    out_ += b;
    return *this;
  }
  Wire& Message(int field, const Wire& m) { return Bytes(field, m.out_); }
  const std::string& str() const { return out_; }

 private:
  void Tag(int field, int type) { Raw(static_cast<uint64_t>(field) << 3 | type); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

// Published numbers. common/v1: KeyValue{key=1, value=2}; AnyValue{string_value=1, bool_value=2,
// int_value=3, double_value=4, array_value=5, bytes_value=7}; ArrayValue{values=1};
// InstrumentationScope{name=1, version=2}.
Wire KeyValue(const std::string& key, const Wire& value) { return Wire().Bytes(1, key).Message(2, value); }

// Fails when any message in the tree kept a field it did not know.
void ExpectNoUnknownFields(const google::protobuf::Message& m, const std::string& path) {
  const google::protobuf::Reflection* r = m.GetReflection();
  EXPECT_EQ(r->GetUnknownFields(m).field_count(), 0) << path << " has fields the .proto does not declare as published";
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        ExpectNoUnknownFields(r->GetRepeatedMessage(m, f, i), path + "." + f->name() + "[" + std::to_string(i) + "]");
      }
    } else {
      ExpectNoUnknownFields(r->GetMessage(m, f), path + "." + f->name());
    }
  }
}

TEST(OtlpWireTest, HandEncodedExportDecodesFieldByField) {
  const std::string trace_id = "0123456789abcdef", span_id = "ABCDEFGH", parent_id = "abcdefgh";
  // resource/v1: Resource{attributes=1, dropped_attributes_count=2}.
  Wire resource = Wire().Message(1, KeyValue("service.name", Wire().Bytes(1, "docval"))).Varint(2, 3);
  // trace/v1: Span.Event{time_unix_nano=1 fixed64, name=2, attributes=3, dropped_attributes_count=4}.
  Wire event = Wire()
                   .Fixed64(1, 1700000000123456789ULL)
                   .Bytes(2, "apdu")
                   .Message(3, KeyValue("sw", Wire().Bytes(7, std::string("\x90\x00", 2))))
                   .Varint(4, 1);
  // Status{message=2, code=3} (1 is reserved).
  Wire status = Wire().Bytes(2, "chip gone").Varint(3, 2);
  // Span{trace_id=1, span_id=2, trace_state=3, parent_span_id=4, name=5, kind=6,
  //      start_time_unix_nano=7 fixed64, end_time_unix_nano=8 fixed64, attributes=9,
  //      dropped_attributes_count=10, events=11, dropped_events_count=12, status=15, flags=16 fixed32}.
  Wire span = Wire()
                  .Bytes(1, trace_id)
                  .Bytes(2, span_id)
                  .Bytes(3, "k=v")
                  .Bytes(4, parent_id)
                  .Bytes(5, "session")
                  .Varint(6, 2)
                  .Fixed64(7, 1700000000000000000ULL)
                  .Fixed64(8, 1700000001000000000ULL)
                  .Message(9, KeyValue("protocol", Wire().Bytes(1, "ws1")))
                  .Message(9, KeyValue("ok", Wire().Varint(2, 1)))
                  .Message(9, KeyValue("round_trips", Wire().Varint(3, static_cast<uint64_t>(-7))))
                  .Message(9, KeyValue("ratio", Wire().Double(4, 0.5)))
                  .Message(9, KeyValue("list", Wire().Message(5, Wire().Message(1, Wire().Bytes(1, "x")))))
                  .Varint(10, 4)
                  .Message(11, event)
                  .Varint(12, 5)
                  .Message(15, status)
                  .Fixed32(16, 0x301);
  // ScopeSpans{scope=1, spans=2, schema_url=3}; InstrumentationScope{name=1, version=2}.
  Wire scope_spans =
      Wire().Message(1, Wire().Bytes(1, "docval").Bytes(2, "0.1.0")).Message(2, span).Bytes(3, "s:/scope");
  // ResourceSpans{resource=1, scope_spans=2, schema_url=3}.
  Wire resource_spans = Wire().Message(1, resource).Message(2, scope_spans).Bytes(3, "s:/resource");
  // collector/trace/v1: ExportTraceServiceRequest{resource_spans=1}.
  Wire request = Wire().Message(1, resource_spans);

  otlp::ExportTraceServiceRequest r;
  ASSERT_TRUE(r.ParseFromString(request.str()));
  ExpectNoUnknownFields(r, "request");
  ASSERT_EQ(r.resource_spans_size(), 1);
  const otlp::ResourceSpans& rs = r.resource_spans(0);
  EXPECT_EQ(rs.schema_url(), "s:/resource");
  ASSERT_EQ(rs.resource().attributes_size(), 1);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "docval");
  EXPECT_EQ(rs.resource().dropped_attributes_count(), 3u);
  ASSERT_EQ(rs.scope_spans_size(), 1);
  const otlp::ScopeSpans& ss = rs.scope_spans(0);
  EXPECT_EQ(ss.scope().name(), "docval");
  EXPECT_EQ(ss.scope().version(), "0.1.0");
  EXPECT_EQ(ss.schema_url(), "s:/scope");
  ASSERT_EQ(ss.spans_size(), 1);
  const otlp::Span& s = ss.spans(0);
  EXPECT_EQ(s.trace_id(), trace_id);
  EXPECT_EQ(s.span_id(), span_id);
  EXPECT_EQ(s.trace_state(), "k=v");
  EXPECT_EQ(s.parent_span_id(), parent_id);
  EXPECT_EQ(s.name(), "session");
  EXPECT_EQ(s.kind(), otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(s.start_time_unix_nano(), 1700000000000000000ULL);
  EXPECT_EQ(s.end_time_unix_nano(), 1700000001000000000ULL);
  ASSERT_EQ(s.attributes_size(), 5);
  EXPECT_EQ(s.attributes(0).value().string_value(), "ws1");
  EXPECT_TRUE(s.attributes(1).value().bool_value());
  EXPECT_EQ(s.attributes(2).value().int_value(), -7);
  EXPECT_EQ(s.attributes(3).value().double_value(), 0.5);
  ASSERT_EQ(s.attributes(4).value().array_value().values_size(), 1);
  EXPECT_EQ(s.attributes(4).value().array_value().values(0).string_value(), "x");
  EXPECT_EQ(s.dropped_attributes_count(), 4u);
  ASSERT_EQ(s.events_size(), 1);
  EXPECT_EQ(s.events(0).time_unix_nano(), 1700000000123456789ULL);
  EXPECT_EQ(s.events(0).name(), "apdu");
  EXPECT_EQ(s.events(0).attributes(0).value().bytes_value(), std::string("\x90\x00", 2));
  EXPECT_EQ(s.events(0).dropped_attributes_count(), 1u);
  EXPECT_EQ(s.dropped_events_count(), 5u);
  EXPECT_EQ(s.status().message(), "chip gone");
  EXPECT_EQ(s.status().code(), otlp::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(s.flags(), 0x301u);
}

TEST(OtlpWireTest, EnumValuesAreThePublishedOnes) {
  EXPECT_EQ(otlp::Span::SPAN_KIND_UNSPECIFIED, 0);
  EXPECT_EQ(otlp::Span::SPAN_KIND_INTERNAL, 1);
  EXPECT_EQ(otlp::Span::SPAN_KIND_SERVER, 2);
  EXPECT_EQ(otlp::Span::SPAN_KIND_CLIENT, 3);
  EXPECT_EQ(otlp::Span::SPAN_KIND_PRODUCER, 4);
  EXPECT_EQ(otlp::Span::SPAN_KIND_CONSUMER, 5);
  EXPECT_EQ(otlp::Status::STATUS_CODE_UNSET, 0);
  EXPECT_EQ(otlp::Status::STATUS_CODE_OK, 1);
  EXPECT_EQ(otlp::Status::STATUS_CODE_ERROR, 2);
}

TEST(OtlpWireTest, HandEncodedResponseDecodes) {
  // ExportTraceServiceResponse{partial_success=1}; ExportTracePartialSuccess{rejected_spans=1 int64,
  // error_message=2}.
  Wire response = Wire().Message(1, Wire().Varint(1, 12).Bytes(2, "too old"));
  otlp::ExportTraceServiceResponse r;
  ASSERT_TRUE(r.ParseFromString(response.str()));
  ExpectNoUnknownFields(r, "response");
  EXPECT_EQ(r.partial_success().rejected_spans(), 12);
  EXPECT_EQ(r.partial_success().error_message(), "too old");
}

}  // namespace
}  // namespace docval::tracing
