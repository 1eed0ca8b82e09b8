// Replay step "read": reads one file ("file": "EF.COM", "DG1", ..., "EF.CardAccess") with the file
// reader, configured by "reader" and "limits", over the trace's secure messaging state (if any).
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tools/replay/replay.h"
#include "validator/emrtd/files/file_reader.h"

namespace docval::replay {
namespace {

emrtd::Task<absl::StatusOr<nlohmann::json>> ReplayRead(StepContext& ctx) {
  if (!ctx.trace.file.has_value()) co_return absl::InvalidArgumentError("trace: step \"read\" needs \"file\"");
  std::optional<emrtd::ElementaryFile> file = emrtd::FindElementaryFile(*ctx.trace.file);
  if (!file.has_value())
    co_return absl::InvalidArgumentError(absl::StrCat("trace: unknown file \"", *ctx.trace.file, "\""));
  emrtd::FileReader reader(ctx.channel, FileReaderOptionsOf(ctx.trace.reader));
  CO_ASSIGN_OR_RETURN(emrtd::Bytes content, co_await reader.Read(*file));
  co_return nlohmann::json{{"file", file->name}, {"size", content.size()}, {"content", emrtd::ToHex(content)}};
}

}  // namespace

DOCVAL_REPLAY_STEP("read", ReplayRead);

}  // namespace docval::replay
