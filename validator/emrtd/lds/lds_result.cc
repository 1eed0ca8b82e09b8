#include "validator/emrtd/lds/lds_result.h"

#include "absl/strings/str_cat.h"
#include "validator/emrtd/lds/dg1.h"
#include "validator/emrtd/lds/dg11.h"
#include "validator/emrtd/lds/dg12.h"
#include "validator/emrtd/lds/dg2.h"
#include "validator/emrtd/lds/dg7.h"

namespace docval::emrtd {
namespace {

// Parsers already prefix their messages with the data group; make sure every message has it.
absl::Status Prefixed(int dg, const absl::Status& s) {
  std::string prefix = absl::StrCat("DG", dg, ":");
  if (absl::string_view(s.message()).substr(0, prefix.size()) == prefix) return s;
  return absl::Status(s.code(), absl::StrCat("DG", dg, ": ", s.message()));
}

}  // namespace

absl::Status ApplyDataGroup(int dg, ByteSpan bytes, EmrtdResult& result) {
  switch (dg) {
    case 1: {
      absl::StatusOr<MrzInfo> m = ParseDg1(bytes);
      if (!m.ok()) return Prefixed(dg, m.status());
      result.mrz_info = *std::move(m);
      return absl::OkStatus();
    }
    case 2: {
      absl::StatusOr<Dg2> d = ParseDg2(bytes);
      if (!d.ok()) return Prefixed(dg, d.status());
      result.face_photo = std::move(d->images.front().data);
      return absl::OkStatus();
    }
    case 7: {
      absl::StatusOr<std::vector<Bytes>> images = ParseDg7(bytes);
      if (!images.ok()) return Prefixed(dg, images.status());
      result.signature_photos = *std::move(images);
      return absl::OkStatus();
    }
    case 11: {
      absl::StatusOr<AdditionalPersonalDetails> d = ParseDg11(bytes);
      if (!d.ok()) return Prefixed(dg, d.status());
      result.additional_personal_details = *std::move(d);
      return absl::OkStatus();
    }
    case 12: {
      absl::StatusOr<AdditionalDocumentDetails> d = ParseDg12(bytes);
      if (!d.ok()) return Prefixed(dg, d.status());
      result.additional_document_details = *std::move(d);
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace docval::emrtd
