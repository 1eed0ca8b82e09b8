#include "validator/result_json/result_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace docval {
namespace {

using Json = nlohmann::ordered_json;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The exceptions to the generic rules of result_json.h, by full proto name.
constexpr absl::string_view kNeverNull[] = {"docval.v1.EmrtdResult.passive_authentication_details"};
constexpr absl::string_view kOmittedWhenEmpty[] = {"docval.v1.EmrtdResult.files_binary"};
constexpr absl::string_view kKeyedEntries[] = {"docval.v1.DataGroupHash", "docval.v1.NamedFile"};
struct ZeroName {
  absl::string_view value;
  const char* json;
};
constexpr ZeroName kZeroNames[] = {{"docval.v1.GENDER_UNSPECIFIED", "UNSPECIFIED"},
                                   {"docval.v1.CHECK_RESULT_UNSPECIFIED", "UNAVAILABLE"}};

template <size_t N>
bool In(const absl::string_view (&set)[N], absl::string_view name) {
  for (absl::string_view s : set) {
    if (s == name) return true;
  }
  return false;
}

std::string Key(const FieldDescriptor* f, JsonCase c) { return c == JsonCase::kSnake ? f->name() : f->json_name(); }

// StringList, BytesList: a message whose only field is `repeated ... values`.
bool IsListWrapper(const Descriptor* d) {
  return d->field_count() == 1 && d->field(0)->is_repeated() && d->field(0)->name() == "values";
}

Json EnumName(const FieldDescriptor* f, int number) {
  const google::protobuf::EnumValueDescriptor* v = f->enum_type()->FindValueByNumber(number);
  // A number this build does not know (a newer validator) reads as the zero value.
  if (v == nullptr || v->number() == 0) {
    v = f->enum_type()->FindValueByNumber(0);
    for (const ZeroName& z : kZeroNames) {
      if (z.value == v->full_name()) return z.json;
    }
  }
  return v->name();
}

Json Object(const Message& m, JsonCase c);

// The value of a non-repeated field (index < 0) or of element `index` of a repeated one.
Json Value(const Message& m, const FieldDescriptor* f, int index, JsonCase c) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL: return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_INT32: return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64: return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32: return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64: return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE: return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_FLOAT: return rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumName(f, rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f));
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s =
          rep ? r->GetRepeatedStringReference(m, f, index, &scratch) : r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) return absl::Base64Escape(s);
      return s;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Object(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), c);
  }
  return nullptr;
}

Json Field(const Message& m, const FieldDescriptor* f, JsonCase c) {
  const Reflection* r = m.GetReflection();
  if (f->is_repeated()) {
    const int n = r->FieldSize(m, f);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && In(kKeyedEntries, f->message_type()->full_name())) {
      Json o = Json::object();
      for (int i = 0; i < n; ++i) {
        const Message& e = r->GetRepeatedMessage(m, f, i);
        const FieldDescriptor* key = e.GetDescriptor()->field(0);
        Json k = Value(e, key, -1, c);
        o[k.is_string() ? k.get<std::string>() : k.dump()] = Value(e, e.GetDescriptor()->field(1), -1, c);
      }
      return o;
    }
    Json a = Json::array();
    for (int i = 0; i < n; ++i) a.push_back(Value(m, f, i, c));
    return a;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!r->HasField(m, f) && !In(kNeverNull, f->full_name())) return nullptr;
    const Message& sub = r->GetMessage(m, f);  // the default instance when not set
    if (IsListWrapper(sub.GetDescriptor())) return Field(sub, sub.GetDescriptor()->field(0), c);
    return Object(sub, c);
  }
  if (f->has_presence() && !r->HasField(m, f)) return nullptr;
  return Value(m, f, -1, c);
}

Json Object(const Message& m, JsonCase c) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  Json o = Json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated() && In(kOmittedWhenEmpty, f->full_name()) && r->FieldSize(m, f) == 0) continue;
    o[Key(f, c)] = Field(m, f, c);
  }
  return o;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

nlohmann::ordered_json ResultToJson(const v1::EmrtdResult& result, JsonCase key_case) {
  return Object(result, key_case);
}

std::string ResultServerBody(const v1::EmrtdResult& result, const std::string& validation_id) {
  Json body;
  body["emrtd_passport"] = ResultToJson(result, JsonCase::kSnake);
  body["client_validation_id"] = validation_id;
  return Dump(body);
}

std::string ResultFrameV1(const v1::EmrtdResult& result) {
  Json body;
  body["emrtd_passport"] = ResultToJson(result, JsonCase::kSnake);
  return Dump(body);
}

}  // namespace docval
