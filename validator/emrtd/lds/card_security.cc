#include "validator/emrtd/lds/card_security.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {

absl::StatusOr<CardSecurity> ParseCardSecurity(ByteSpan bytes, size_t max_infos) {
  auto bad = [](absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("EF.CardSecurity: ", why)); };
  absl::StatusOr<cms::SignedData> sd = cms::ParseSignedData(bytes);
  if (!sd.ok()) return bad(sd.status().message());
  if (sd->content_type != kIdSecurityObject) {
    return bad(absl::StrCat("eContentType ", sd->content_type, " is not id-SecurityObject"));
  }
  if (!sd->content) return bad("no SecurityInfos (detached content)");
  absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(*sd->content, max_infos);
  if (IsLimitExceeded(infos.status())) return infos.status();
  if (!infos.ok()) return bad(infos.status().message());
  return CardSecurity{*std::move(sd), *std::move(infos)};
}

}  // namespace docval::emrtd
