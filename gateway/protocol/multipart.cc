#include "gateway/protocol/multipart.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace docval::gateway::multipart {
namespace {

constexpr absl::string_view kFieldPayload = "docval.gateway.multipart.field";

absl::Status WithField(absl::Status status, absl::string_view field) {
  if (!field.empty()) status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

absl::Status Malformed(absl::string_view field, absl::string_view detail) {
  return WithField(absl::InvalidArgumentError(absl::StrCat("multipart: ", detail)), field);
}

absl::Status TooLarge(absl::string_view field, absl::string_view detail) {
  return WithField(absl::ResourceExhaustedError(absl::StrCat("multipart: ", detail)), field);
}

// RFC 2046 bchars (the last one, space, not at the end).
bool IsBChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("'()+_,-./:=? ").find(c) != absl::string_view::npos;
}

bool IsTokenChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && absl::string_view("()<>@,;:\\\"/[]?={}").find(c) == absl::string_view::npos;
}

void SkipWhitespace(absl::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

// Reads a token or a quoted-string (backslash escapes) from the front of `s`.
std::optional<std::string> ReadValue(absl::string_view& s) {
  std::string out;
  if (!s.empty() && s.front() == '"') {
    s.remove_prefix(1);
    while (!s.empty() && s.front() != '"') {
      if (s.front() == '\\') {
        s.remove_prefix(1);
        if (s.empty()) return std::nullopt;
      }
      out.push_back(s.front());
      s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;  // no closing quote
    s.remove_prefix(1);
    return out;
  }
  while (!s.empty() && IsTokenChar(s.front())) {
    out.push_back(s.front());
    s.remove_prefix(1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

struct MediaType {
  std::string type;  // lower case "type/subtype"
  std::vector<std::pair<std::string, std::string>> params;  // names lower case
};

// "type/subtype; a=b; c="d"" or a Content-Disposition "form-data; name=...".
std::optional<MediaType> ParseParameterised(absl::string_view s) {
  MediaType out;
  SkipWhitespace(s);
  size_t end = s.find(';');
  out.type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(s.substr(0, end)));
  if (out.type.empty()) return std::nullopt;
  s = end == absl::string_view::npos ? absl::string_view() : s.substr(end);
  while (true) {
    SkipWhitespace(s);
    if (s.empty()) return out;
    if (s.front() != ';') return std::nullopt;
    s.remove_prefix(1);
    SkipWhitespace(s);
    if (s.empty()) return out;  // a trailing ';'
    size_t eq = s.find('=');
    if (eq == absl::string_view::npos) return std::nullopt;
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(s.substr(0, eq)));
    if (name.empty()) return std::nullopt;
    for (char c : name) {
      if (!IsTokenChar(c)) return std::nullopt;
    }
    s.remove_prefix(eq + 1);
    SkipWhitespace(s);
    std::optional<std::string> value = ReadValue(s);
    if (!value.has_value()) return std::nullopt;
    out.params.emplace_back(std::move(name), std::move(*value));
  }
}

const std::string* Param(const MediaType& m, absl::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [n, v] : m.params) {
    if (n == name) {
      if (found != nullptr) return nullptr;  // repeated: ambiguous, treated as absent
      found = &v;
    }
  }
  return found;
}

// The header block of part `index` (1-based) into `part`.
absl::Status ParsePartHeaders(absl::string_view block, size_t index, Part& part) {
  const std::string where = absl::StrCat("part ", index);
  if (absl::StrContains(block, "\r\n ") || absl::StrContains(block, "\r\n\t") ||
      (!block.empty() && (block.front() == ' ' || block.front() == '\t'))) {
    return Malformed("", absl::StrCat(where, ": folded header line"));
  }
  bool have_disposition = false;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    absl::string_view line = block.substr(0, eol);
    block = eol == absl::string_view::npos ? absl::string_view() : block.substr(eol + 2);
    if (line.empty()) return Malformed(part.name, absl::StrCat(where, ": empty header line"));
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return Malformed(part.name, absl::StrCat(where, ": header line without a name"));
    }
    absl::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) return Malformed(part.name, absl::StrCat(where, ": bad header name"));
    }
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "Content-Disposition")) {
      if (have_disposition) return Malformed(part.name, absl::StrCat(where, ": two Content-Disposition headers"));
      have_disposition = true;
      std::optional<MediaType> d = ParseParameterised(value);
      if (!d.has_value()) return Malformed("", absl::StrCat(where, ": malformed Content-Disposition"));
      if (d->type != "form-data") return Malformed("", absl::StrCat(where, ": Content-Disposition is not form-data"));
      const std::string* field = Param(*d, "name");
      if (field == nullptr || field->empty()) {
        return Malformed("", absl::StrCat(where, ": Content-Disposition without one name"));
      }
      part.name = *field;
      bool has_filename = false;
      for (const auto& [n, v] : d->params) has_filename |= n == "filename";
      if (has_filename) {
        const std::string* filename = Param(*d, "filename");
        if (filename == nullptr) return Malformed(part.name, absl::StrCat(where, ": two filenames"));
        part.filename = *filename;
      }
    } else if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      part.content_type = std::string(value);
    }
  }
  if (!have_disposition) return Malformed("", absl::StrCat(where, ": no Content-Disposition"));
  return absl::OkStatus();
}

}  // namespace

const Part* Form::Find(absl::string_view name) const {
  for (const Part& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

absl::StatusOr<std::string> BoundaryOf(absl::string_view content_type) {
  std::optional<MediaType> m = ParseParameterised(content_type);
  if (m.has_value() && m->type != "multipart/form-data") {
    return absl::FailedPreconditionError("multipart: the Content-Type is not multipart/form-data");
  }
  if (!m.has_value()) {
    // Unparseable parameters after multipart/form-data are a malformed request; anything else is
    // another media type.
    absl::string_view type = absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';')));
    if (!absl::EqualsIgnoreCase(type, "multipart/form-data")) {
      return absl::FailedPreconditionError("multipart: the Content-Type is not multipart/form-data");
    }
    return Malformed("", "malformed Content-Type parameters");
  }
  const std::string* boundary = Param(*m, "boundary");
  if (boundary == nullptr) return Malformed("", "no (or two) boundary parameters");
  if (boundary->empty() || boundary->size() > kMaxBoundaryBytes || boundary->back() == ' ') {
    return Malformed("", "the boundary is empty, longer than 70 characters or ends in a space");
  }
  for (char c : *boundary) {
    if (!IsBChar(c)) return Malformed("", "the boundary has a character RFC 2046 does not allow");
  }
  return *boundary;
}

absl::StatusOr<Form> Parse(absl::string_view body, absl::string_view boundary, const MultipartLimits& limits) {
  if (boundary.empty() || boundary.size() > kMaxBoundaryBytes) return Malformed("", "bad boundary");
  const std::string dash_boundary = absl::StrCat("--", boundary);
  const std::string delimiter = absl::StrCat("\r\n", dash_boundary);

  // The first delimiter: at the very start, or after a preamble.
  size_t pos;
  if (absl::StartsWith(body, dash_boundary)) {
    pos = dash_boundary.size();
  } else {
    size_t at = body.find(delimiter);
    if (at == absl::string_view::npos) return Malformed("", "no delimiter");
    pos = at + delimiter.size();
  }

  Form form;
  while (true) {
    absl::string_view rest = body.substr(pos);
    if (absl::StartsWith(rest, "--")) return form;  // the close delimiter; the epilogue is ignored
    SkipWhitespace(rest);  // transport padding
    if (!absl::ConsumePrefix(&rest, "\r\n")) return Malformed("", "a delimiter not followed by CRLF");

    const size_t index = form.parts.size() + 1;
    if (index > limits.max_parts) {
      return TooLarge("", absl::StrCat("more than ", limits.max_parts, " parts"));
    }
    // The header block ends at the first empty line; a part without headers starts with CRLF.
    absl::string_view headers;
    if (absl::ConsumePrefix(&rest, "\r\n")) {
      headers = absl::string_view();
    } else {
      const size_t window = limits.max_part_header_bytes + 4;
      size_t end = rest.substr(0, window).find("\r\n\r\n");
      if (end == absl::string_view::npos && rest.size() < window) {
        return Malformed("", absl::StrCat("part ", index, ": unterminated headers"));
      }
      if (end == absl::string_view::npos || end > limits.max_part_header_bytes) {
        return TooLarge("", absl::StrCat("part ", index, ": header block over ", limits.max_part_header_bytes,
                                         " bytes"));
      }
      headers = rest.substr(0, end);
      rest.remove_prefix(end + 4);
    }
    Part part;
    if (absl::Status s = ParsePartHeaders(headers, index, part); !s.ok()) return s;
    if (form.Find(part.name) != nullptr) return Malformed(part.name, "a field sent twice");

    const size_t cap = limits.max_part_bytes ? limits.max_part_bytes(part.name) : limits.default_max_part_bytes;
    size_t end = rest.find(delimiter);
    if (end == absl::string_view::npos) {
      if (rest.size() > cap) return TooLarge(part.name, absl::StrCat("a part over ", cap, " bytes"));
      return Malformed(part.name, "no close delimiter");
    }
    if (end > cap) return TooLarge(part.name, absl::StrCat("a part over ", cap, " bytes"));
    part.content = std::string(rest.substr(0, end));
    pos = static_cast<size_t>(rest.data() - body.data()) + end + delimiter.size();
    form.parts.push_back(std::move(part));
  }
}

absl::StatusOr<Form> ParseRequest(absl::string_view content_type, absl::string_view body,
                                  const MultipartLimits& limits) {
  absl::StatusOr<std::string> boundary = BoundaryOf(content_type);
  if (!boundary.ok()) return boundary.status();
  return Parse(body, *boundary, limits);
}

std::string MultipartErrorField(const absl::Status& status) {
  auto field = status.GetPayload(kFieldPayload);
  return field.has_value() ? std::string(*field) : std::string();
}

}  // namespace docval::gateway::multipart
