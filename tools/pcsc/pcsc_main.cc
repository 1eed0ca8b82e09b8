#include "tools/pcsc/pcsc_main.h"

#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tools/pcsc/pcsc_options.h"
#include "tools/pcsc/pcsc_reader.h"
#include "tools/pcsc/reader_limits.h"
#include "tools/relay/relay_session.h"
#include "tools/relay/ws_client.h"

namespace docval::pcsc {
namespace {

// docs/protocol.md §1.6: how a client ends a session when the chip is lost.
constexpr int kClientCloseCode = 1001;
constexpr char kChipLostReason[] = "NFC_CHIP_COMMUNICATION_FAILED";

void Say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string Describe(const ReaderState& r) {
  if (!r.card_present) return absl::StrCat("  ", r.name, ": no card");
  std::string state = r.mute ? "mute card" : r.card_in_use ? "card held by another program" : "card";
  return absl::StrCat("  ", r.name, ": ", state, ", ATR ", emrtd::ToHex(r.atr));
}

int List() {
  absl::StatusOr<std::unique_ptr<PcscContext>> ctx = PcscContext::Establish();
  if (!ctx.ok()) {
    Say(absl::StrCat("no PC/SC service: ", ctx.status().message(), " (is pcscd running?)"));
    return kExitNoCard;
  }
  absl::StatusOr<std::vector<ReaderState>> readers = (*ctx)->Readers();
  if (!readers.ok()) {
    Say(std::string(readers.status().message()));
    return kExitNoCard;
  }
  Say(absl::StrCat(readers->size(), " reader(s)"));
  for (const ReaderState& r : *readers) Say(Describe(r));
  return kExitSuccess;
}

// A connected card and the context it lives in (the card goes first: releasing the context ends its
// card handles).
struct Connected {
  std::unique_ptr<PcscContext> context;
  std::unique_ptr<PcscCard> card;
};

// Waits until a card is connected, or the deadline. Prints what it waits for whenever that changes.
absl::StatusOr<Connected> WaitForCard(const PcscOptions& o, absl::Time deadline) {
  std::unique_ptr<PcscContext> ctx;
  std::string last_message;
  auto say_once = [&](const std::string& m) {
    if (m != last_message) Say(m);
    last_message = m;
  };
  absl::Status last_error = absl::DeadlineExceededError("no card");
  while (absl::Now() < deadline) {
    const absl::Duration slice = std::min(absl::Seconds(2), deadline - absl::Now());
    if (ctx == nullptr) {
      absl::StatusOr<std::unique_ptr<PcscContext>> c = PcscContext::Establish();
      if (!c.ok()) {
        say_once(absl::StrCat("waiting for the PC/SC service (pcscd): ", c.status().message()));
        last_error = c.status();
        std::this_thread::sleep_for(absl::ToChronoMilliseconds(std::min(absl::Milliseconds(500), slice)));
        continue;
      }
      ctx = std::move(*c);
    }
    absl::StatusOr<std::vector<ReaderState>> readers = ctx->Readers();
    if (!readers.ok()) {
      say_once(absl::StrCat("PC/SC: ", readers.status().message()));
      last_error = readers.status();
      ctx.reset();
      continue;
    }
    std::string waiting_for;
    std::optional<std::string> choice = ChooseReader(*readers, o.reader, &waiting_for);
    if (choice.has_value()) {
      absl::StatusOr<std::unique_ptr<PcscCard>> card = ctx->Connect(*choice);
      if (card.ok()) return Connected{std::move(ctx), std::move(*card)};
      say_once(std::string(card.status().message()));
      last_error = card.status();
      if (card.status().code() == absl::StatusCode::kUnavailable) {
        ctx.reset();
        continue;
      }
    } else {
      std::vector<std::string> lines = {
          absl::StrCat("waiting for ", waiting_for, " (", readers->size(), " reader(s))")};
      for (const ReaderState& r : *readers) lines.push_back(Describe(r));
      say_once(absl::StrJoin(lines, "\n"));
      last_error = absl::NotFoundError(absl::StrCat("no ", waiting_for));
    }
    absl::Status s = ctx->WaitForChange(slice);
    if (!s.ok()) ctx.reset();  // the service went away: establish again
  }
  return absl::DeadlineExceededError(
      absl::StrCat("nothing to read within ", absl::FormatDuration(o.wait), ": ", last_error.message()));
}

int Run(const PcscOptions& o) {
  absl::StatusOr<Connected> connected = WaitForCard(o, absl::Now() + o.wait);
  if (!connected.ok()) {
    Say(std::string(connected.status().message()));
    return kExitNoCard;
  }
  PcscCard& c = *connected->card;
  LimitsInput in;
  in.reader_max_apdu_data = c.ReaderMaxApduDataSize();
  in.card_extended = AtrSaysExtendedLength(c.atr());
  in.forced_extended = o.extended_length;
  DecidedLimits limits = DecideLimits(in);
  Say(absl::StrCat("reader: ", c.reader()));
  Say(absl::StrCat("card: ATR ", emrtd::ToHex(c.atr()), ", ", c.protocol()));
  Say(absl::StrCat("limits: extended length ", limits.limits.extended_length ? "yes" : "no", ", commands up to ",
                   limits.limits.CommandBytes(), " bytes, responses up to ", limits.limits.ResponseBytes(), " bytes (",
                   limits.reason, ")"));

  relay::WsClientOptions wo;
  if (!o.authorization.empty()) wo.headers.emplace_back("Authorization", o.authorization);
  wo.ca_file = o.ca_file;
  absl::StatusOr<std::unique_ptr<relay::WsClient>> client = relay::WsClient::Connect(o.url, wo);
  if (!client.ok()) {
    Say(absl::StrCat("cannot open the session: ", client.status().message()));
    return kExitSessionFailed;
  }
  size_t commands = 0;
  std::string card_error;
  relay::ChipFunction chip = [&](const std::string& command) -> std::optional<std::string> {
    ++commands;
    absl::StatusOr<emrtd::Bytes> r = c.Transmit(emrtd::AsSpan(command));
    if (!r.ok()) {
      card_error = std::string(r.status().message());
      Say(absl::StrCat("card: ", card_error, " (after ", commands - 1, " commands): ending the session"));
      return std::nullopt;
    }
    return std::string(r->begin(), r->end());
  };
  relay::RelayOptions ro;
  ro.read_timeout = o.timeout;
  ro.close_when_chip_lost = relay::CloseInfo{kClientCloseCode, kChipLostReason};
  ro.on_frame = [](const relay::Frame& f) {
    if (f.text) Say(absl::StrCat("< ", f.data));
  };
  const absl::Time start = absl::Now();
  absl::StatusOr<relay::RelayOutcome> out =
      relay::RunRelaySession(**client, BuildStartMessage(o, limits.limits), chip, ro);
  if (!out.ok()) {
    (*client)->Abort();
    Say(absl::StrCat("transport error: ", out.status().message()));
    return kExitSessionFailed;
  }
  Say(absl::StrCat("statuses: ", absl::StrJoin(out->statuses, " ")));
  Say(absl::StrCat("result: ", out->result.has_value() ? out->result->dump(1) : "(none)"));
  Say(absl::StrCat("close notice: ", out->close_notice.has_value() ? out->close_notice->dump() : "(none)"));
  Say(absl::StrCat("commands: ", commands));
  Say(absl::StrCat("close code: ", out->close.code, out->close.reason.empty() ? "" : " ", out->close.reason,
                   out->closed_by_client ? " (closed by this client)" : ""));
  Say(absl::StrCat("elapsed: ", absl::FormatDuration(absl::Now() - start)));
  return out->close.code == 1000 && !out->closed_by_client ? kExitSuccess : kExitSessionFailed;
}

}  // namespace

int PcscMain(int argc, char** argv) {
  absl::StatusOr<PcscOptions> o = ParsePcscOptions(argc, argv);
  if (!o.ok()) {
    std::fprintf(stderr, "pcsc: %s\n%s", std::string(o.status().message()).c_str(), kPcscUsage);
    return kExitUsage;
  }
  if (o->help) {
    std::fputs(kPcscUsage, stdout);
    return kExitSuccess;
  }
  if (o->list) return List();
  return Run(*o);
}

}  // namespace docval::pcsc
