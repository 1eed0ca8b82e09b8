#include "tools/pcsc/pcsc_options.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/protocol/v1.h"

namespace docval::pcsc {
namespace {

absl::StatusOr<PcscOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "pcsc");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParsePcscOptions(static_cast<int>(argv.size()), argv.data());
}

const std::vector<std::string> kBase = {"--url", "ws://127.0.0.1:8080/ws1/validate?return_result=true", "--client-id",
                                        "demo-client"};

std::vector<std::string> With(std::vector<std::string> more) {
  std::vector<std::string> a = kBase;
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

TEST(PcscOptionsTest, MrzOrCan) {
  absl::StatusOr<PcscOptions> o =
      Parse(With({"--document-number", "c01x00t47", "--date-of-birth", "840812", "--date-of-expiry=330101"}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->document_number, "C01X00T47");
  EXPECT_EQ(o->date_of_expiry, "330101");
  EXPECT_EQ(o->reader, "");
  EXPECT_EQ(o->wait, absl::Seconds(120));
  o = Parse(
      With({"--can", "123456", "--reader", "ACR", "--wait", "5", "--timeout", "30", "--extended-length", "false"}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->can, "123456");
  EXPECT_EQ(o->reader, "ACR");
  EXPECT_EQ(o->wait, absl::Seconds(5));
  EXPECT_EQ(o->timeout, absl::Seconds(30));
  EXPECT_EQ(o->extended_length, false);
  EXPECT_TRUE(Parse({"--list"})->list);
  EXPECT_TRUE(Parse({"--help"})->help);
}

TEST(PcscOptionsTest, BadArgumentsNameTheProblem) {
  auto message = [](std::vector<std::string> a) { return std::string(Parse(std::move(a)).status().message()); };
  EXPECT_EQ(message({"--can", "123456"}), "--url and --client-id are required");
  EXPECT_EQ(message(With({})), "an access key is required: the three MRZ fields or --can");
  EXPECT_EQ(message(With({"--document-number", "X1"})),
            "--document-number, --date-of-birth and --date-of-expiry go together");
  EXPECT_EQ(message(With({"--can", "12345"})), "--can takes 6 digits");
  EXPECT_EQ(message(With({"--document-number", "X-1", "--date-of-birth", "840812", "--date-of-expiry", "330101"})),
            "--document-number takes 1 to 22 characters of A-Z, 0-9 and <");
  EXPECT_EQ(message(With({"--document-number", "X1", "--date-of-birth", "841312", "--date-of-expiry", "330101"})),
            "--date-of-birth takes a date as YYMMDD");
  EXPECT_EQ(message(With({"--can", "123456", "--wait", "0"})), "--wait takes a number of seconds (1 to 86400)");
  EXPECT_EQ(message(With({"--can", "123456", "--extended-length", "yes"})), "--extended-length takes true or false");
  EXPECT_EQ(message(With({"--can", "123456", "--colour"})), "unknown argument --colour");
  EXPECT_EQ(message(With({"--can"})), "--can needs a value");
}

TEST(ChooseReaderTest, TheFirstReaderWithAUsableCard) {
  std::vector<ReaderState> readers = {
      {.name = "ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00"},
      {.name = "ACS ACR1252 Dual Reader [ACR1252 Dual Reader SAM] 00 01", .card_present = true, .card_in_use = true},
      {.name = "REINER SCT cyberJack RFID basis 01 00", .card_present = true, .mute = true},
      {.name = "Identiv uTrust 3700 F CL Reader 02 00", .card_present = true},
  };
  std::string why;
  EXPECT_EQ(ChooseReader(readers, "", &why), "Identiv uTrust 3700 F CL Reader 02 00");
  EXPECT_EQ(ChooseReader(readers, "acr1252", &why), std::nullopt);
  EXPECT_EQ(why, "the card in ACS ACR1252 Dual Reader [ACR1252 Dual Reader SAM] 00 01 is held by another program");
  EXPECT_EQ(ChooseReader(readers, "PICC", &why), std::nullopt);
  EXPECT_EQ(why, "a card on ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00");
  EXPECT_EQ(ChooseReader(readers, "cyberJack", &why), std::nullopt);
  EXPECT_EQ(why,
            "the card in REINER SCT cyberJack RFID basis 01 00 does not answer (mute): put it on the reader again");
  EXPECT_EQ(ChooseReader(readers, "Omnikey", &why), std::nullopt);
  EXPECT_EQ(why, "a reader matching 'Omnikey'");
  EXPECT_EQ(ChooseReader({}, "", &why), std::nullopt);
  EXPECT_EQ(why, "a reader");
  readers[0].card_present = true;
  EXPECT_EQ(ChooseReader(readers, "", &why), readers[0].name);
}

TEST(ChooseReaderTest, AnExactNameWinsOverParts) {
  std::vector<ReaderState> readers = {{.name = "Virtual PCD 00 01", .card_present = true},
                                      {.name = "Virtual PCD 00 00", .card_present = false}};
  std::string why;
  EXPECT_EQ(ChooseReader(readers, "Virtual PCD 00 00", &why), std::nullopt);
  EXPECT_EQ(why, "a card on Virtual PCD 00 00");
  EXPECT_EQ(ChooseReader(readers, "Virtual PCD", &why), "Virtual PCD 00 01");
}

TEST(StartMessageTest, TheServerAcceptsItAsSent) {
  PcscOptions o = *Parse(With({"--can", "123456", "--document-number", "C01X00T47", "--date-of-birth", "840812",
                               "--date-of-expiry", "330101", "--validation-id", "desk-7"}));
  emrtd::LinkLimits limits{.extended_length = true, .max_command_bytes = 1033, .max_response_bytes = 1026};
  std::string text = BuildStartMessage(o, limits);
  gateway::ws1::StartMessageResult parsed = gateway::ws1::ParseStartMessage(text);
  ASSERT_TRUE(parsed.message.has_value()) << parsed.detail;
  EXPECT_EQ(parsed.message->client_id, "demo-client");
  EXPECT_EQ(parsed.message->validation_id, "desk-7");
  EXPECT_EQ(parsed.message->access_key.can, "123456");
  EXPECT_EQ(parsed.message->access_key.document_number, "C01X00T47");
  EXPECT_TRUE(parsed.message->nfc_adapter_supports_extended_length);
  EXPECT_EQ(parsed.message->max_command_bytes, 1033);
  EXPECT_EQ(parsed.message->max_response_bytes, 1026);
  EXPECT_EQ(parsed.message->platform, "android");
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["enable_diagnostics"], false);

  o.can.clear();
  j = nlohmann::json::parse(BuildStartMessage(o, emrtd::LinkLimits{}));
  EXPECT_FALSE(j["access_key"].contains("can"));
  EXPECT_EQ(j["nfc_adapter_supports_extended_length"], false);
  EXPECT_EQ(j["max_command_bytes"], 261) << "explicit short limits when nothing else is known";
  EXPECT_EQ(j["max_response_bytes"], 258);
}

}  // namespace
}  // namespace docval::pcsc
