#include "validator/service/validator_service.h"

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <functional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::validator {
namespace {

using Stream = grpc::ClientReaderWriter<v1::SessionRequest, v1::SessionEvent>;

// Holds the workers at the step hook while closed; counts who is inside.
class Gate {
 public:
  void Enter() {
    absl::MutexLock lock(&mu_);
    ++inside_;
    ++entered_;
    max_inside_ = std::max(max_inside_, inside_);
    mu_.Await(absl::Condition(&open_));
    --inside_;
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }
  bool WaitInside(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return inside_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(20));
  }
  int inside() {
    absl::MutexLock lock(&mu_);
    return inside_;
  }
  int max_inside() {
    absl::MutexLock lock(&mu_);
    return max_inside_;
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  int inside_ ABSL_GUARDED_BY(mu_) = 0;
  int entered_ ABSL_GUARDED_BY(mu_) = 0;
  int max_inside_ ABSL_GUARDED_BY(mu_) = 0;
};

// Polls observable state (never a fixed sleep as synchronisation) until it holds or 20 s pass.
bool WaitFor(const std::function<bool()>& cond) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!cond()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

class ValidatorServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(ValidatorServiceOptions{}); }
  void TearDown() override {
    gate_.Open();
    if (server_) server_->Shutdown();
  }

  void StartServer(ValidatorServiceOptions options) {
    if (server_) server_->Shutdown();
    server_.reset();
    service_.reset();
    registry_ = std::make_unique<prometheus::Registry>();
    options.before_step = [this] { gate_.Enter(); };
    service_ = std::make_unique<ValidatorService>(std::move(options), nullptr, *registry_);
    grpc::ServerBuilder b;
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    stub_ = v1::Validator::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  static v1::SessionRequest Start() {
    v1::SessionRequest r;
    r.mutable_start()->set_session_id("t1");
    r.mutable_start()->mutable_access_key()->set_can("123456");
    r.mutable_start()->set_extended_length(false);
    return r;
  }

  static v1::SessionRequest NotFound() {
    v1::SessionRequest r;
    r.set_response_apdu(std::string("\x6A\x82", 2));
    return r;
  }

  // Reads until the next command APDU; false when the stream ended first.
  static bool NextCommand(Stream& stream) {
    v1::SessionEvent e;
    while (stream.Read(&e)) {
      if (e.has_command_apdu()) return true;
    }
    return false;
  }

  // Plays a chip that knows nothing (6A82 to everything) until the stream ends; the stream has
  // already delivered one command. Returns whether a failure event came.
  static bool PlayEmptyChip(Stream& stream) {
    bool failure = false;
    if (!stream.Write(NotFound())) return false;
    v1::SessionEvent e;
    while (stream.Read(&e)) {
      if (e.has_command_apdu()) {
        if (!stream.Write(NotFound())) break;
      } else if (e.has_failure()) {
        failure = true;
      }
    }
    return failure;
  }

  // The value of one sample of the exposition ("name" or "name{labels}"), 0 when absent.
  double Metric(const std::string& sample) {
    const std::string text = SerializeMetrics(*registry_);
    size_t pos = 0;
    while ((pos = text.find(sample + " ", pos)) != std::string::npos) {
      if (pos == 0 || text[pos - 1] == '\n') {
        size_t end = text.find('\n', pos);
        double v = 0;
        if (absl::SimpleAtod(text.substr(pos + sample.size() + 1, end - pos - sample.size() - 1), &v)) return v;
      }
      ++pos;
    }
    return 0;
  }

  Gate gate_;
  std::unique_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ValidatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Validator::Stub> stub_;
};

// A chip that knows nothing: every command gets 6A82 (file or application not found). Whatever the
// dialog tries, it must end with a failure event and an OK stream.
TEST_F(ValidatorServiceTest, DialogAgainstAnEmptyChipEndsWithAFailureEvent) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  v1::SessionEvent e;
  int commands = 0;
  bool failure = false;
  while (stream->Read(&e)) {
    if (e.has_command_apdu()) {
      ++commands;
      ASSERT_GE(e.command_apdu().size(), 4u);
      ASSERT_TRUE(stream->Write(NotFound()));
    } else if (e.has_failure()) {
      failure = true;
      EXPECT_NE(e.failure().reason(), v1::FAILURE_REASON_UNSPECIFIED);
      EXPECT_FALSE(e.failure().detail().empty());
    } else if (e.has_result()) {
      ADD_FAILURE() << "an empty chip cannot give a result";
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_TRUE(failure);
  EXPECT_GE(commands, 1);
  EXPECT_THAT(SerializeMetrics(*registry_), testing::HasSubstr("docval_validator_sessions_total{outcome="));
  // One step for the start, one per response.
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"run\"}"), commands + 1);
}

// WebSocket API v2's Chip Authentication runs as a session of its own kind: a DG14 without a key ends
// it at once with the phone's keys unchanged; keys that do not fit their cipher are a failure event.
TEST_F(ValidatorServiceTest, V2ChipAuthenticationEndsWithItsOwnEvent) {
  auto run = [&](size_t enc_key_bytes) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stream = stub_->Session(&ctx);
    v1::SessionRequest r;
    r.mutable_start()->set_session_id("v2");
    v1::V2ChipAuthStart* ca = r.mutable_start()->mutable_v2_chip_authentication();
    ca->set_dg14(std::string("\x6E\x04\x31\x02\x30\x00", 6));  // a SecurityInfos SET without a key
    ca->mutable_phone_keys()->set_aes(true);
    ca->mutable_phone_keys()->set_enc_key(std::string(enc_key_bytes, 'e'));
    ca->mutable_phone_keys()->set_mac_key(std::string(16, 'm'));
    ca->mutable_phone_keys()->set_ssc(std::string(15, '\0') + "\x09");
    EXPECT_TRUE(stream->Write(r));
    std::vector<v1::SessionEvent> events;
    v1::SessionEvent e;
    while (stream->Read(&e)) events.push_back(e);
    EXPECT_TRUE(stream->Finish().ok());
    return events;
  };
  std::vector<v1::SessionEvent> events = run(16);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].has_v2_chip_authentication());
  const v1::V2ChipAuthOutcome& o = events[0].v2_chip_authentication();
  EXPECT_EQ(o.check_result(), v1::UNAVAILABLE);
  EXPECT_FALSE(o.has_dg1());
  EXPECT_EQ(o.keys().enc_key(), std::string(16, 'e'));
  EXPECT_EQ(o.keys().ssc(), std::string(15, '\0') + "\x09");  // no command was sent
  EXPECT_EQ(Metric("docval_validator_sessions_total{outcome=\"v2_chip_authentication\"}"), 1);

  events = run(5);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].has_failure());
  EXPECT_EQ(events[0].failure().reason(), v1::EMRTD_PASSPORT_READER_ERROR);
}

// With batch_progress the steps ride on the event that follows them, so the gateway can write the
// status frames and the command together; the sequence of steps is the same either way.
TEST_F(ValidatorServiceTest, BatchedProgressCarriesTheSameStepsOnTheNextEvent) {
  auto run = [&](bool batch, int* standalone, int* attached) {
    std::vector<int> steps;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stream = stub_->Session(&ctx);
    v1::SessionRequest start = Start();
    start.mutable_start()->set_batch_progress(batch);
    EXPECT_TRUE(stream->Write(start));
    v1::SessionEvent e;
    while (stream->Read(&e)) {
      for (int s : e.progress_before()) {
        steps.push_back(s);
        ++*attached;
      }
      if (e.kind_case() == v1::SessionEvent::kProgress) {
        steps.push_back(e.progress());
        ++*standalone;
      }
      if (e.has_command_apdu() && !stream->Write(NotFound())) break;
    }
    EXPECT_TRUE(stream->Finish().ok());
    return steps;
  };
  int standalone_unbatched = 0, attached_unbatched = 0, standalone_batched = 0, attached_batched = 0;
  std::vector<int> unbatched = run(false, &standalone_unbatched, &attached_unbatched);
  std::vector<int> batched = run(true, &standalone_batched, &attached_batched);
  EXPECT_FALSE(unbatched.empty());
  EXPECT_EQ(batched, unbatched);
  EXPECT_EQ(attached_unbatched, 0);
  EXPECT_EQ(standalone_batched, 0);
  EXPECT_EQ(attached_batched, static_cast<int>(unbatched.size()));
}

TEST_F(ValidatorServiceTest, ResponseBeforeStartIsAProtocolError) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  v1::SessionRequest r;
  r.set_response_apdu("\x90\x00");
  stream->Write(r);
  stream->WritesDone();
  v1::SessionEvent e;
  EXPECT_FALSE(stream->Read(&e));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ValidatorServiceTest, SecondStartIsAProtocolError) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  ASSERT_TRUE(NextCommand(*stream));
  stream->Write(Start());
  v1::SessionEvent e;
  while (stream->Read(&e)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ValidatorServiceTest, GatewayHangingUpEndsTheDialog) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  ASSERT_TRUE(NextCommand(*stream));
  ctx.TryCancel();
  v1::SessionEvent e;
  while (stream->Read(&e)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The reactor is gone: the active gauge is back to zero and the slot is free.
  EXPECT_TRUE(WaitFor([&] { return service_->sessions() == 0; }));
  EXPECT_EQ(Metric("docval_validator_sessions_active"), 0);
}

TEST_F(ValidatorServiceTest, OverTheCapIsRefusedWithResourceExhaustedWhileOthersRun) {
  StartServer({.max_sessions = 2, .workers = 1});
  grpc::ClientContext c1, c2;
  auto s1 = stub_->Session(&c1);
  auto s2 = stub_->Session(&c2);
  ASSERT_TRUE(s1->Write(Start()));
  ASSERT_TRUE(s2->Write(Start()));
  ASSERT_TRUE(NextCommand(*s1));
  ASSERT_TRUE(NextCommand(*s2));
  ASSERT_EQ(service_->sessions(), 2);

  grpc::ClientContext c3;
  auto s3 = stub_->Session(&c3);
  s3->Write(Start());  // may fail: the call is already over
  v1::SessionEvent e;
  EXPECT_FALSE(s3->Read(&e));
  grpc::Status refused = s3->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), testing::HasSubstr("validator.max_sessions = 2"));
  EXPECT_EQ(Metric("docval_validator_sessions_refused_total{reason=\"over_capacity\"}"), 1);
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"run\"}"), 2);  // nothing ran for the third

  // The two open sessions are not disturbed and end normally.
  EXPECT_TRUE(PlayEmptyChip(*s1));
  EXPECT_TRUE(PlayEmptyChip(*s2));
  EXPECT_TRUE(s1->Finish().ok());
  EXPECT_TRUE(s2->Finish().ok());

  // Their slots are free again.
  ASSERT_TRUE(WaitFor([&] { return service_->sessions() == 0; }));
  grpc::ClientContext c4;
  auto s4 = stub_->Session(&c4);
  ASSERT_TRUE(s4->Write(Start()));
  EXPECT_TRUE(NextCommand(*s4));
  c4.TryCancel();
  s4->Finish();
}

// Work admitted beside the dialogs (the v2 verdict on files) shares their session limit and workers:
// refused while max_sessions sessions are open, run on a worker once a slot is free, and counted as
// a session while it runs (a dialog opened meanwhile is refused; WaitIdle waits for it).
TEST_F(ValidatorServiceTest, AdmittedWorkSharesTheSessionLimitAndTheWorkers) {
  StartServer({.max_sessions = 1, .workers = 1});
  grpc::ClientContext c1;
  auto s1 = stub_->Session(&c1);
  ASSERT_TRUE(s1->Write(Start()));
  ASSERT_TRUE(NextCommand(*s1));
  bool ran = false;
  grpc::Status full = service_->RunAdmitted([&] { ran = true; });
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(full.error_message(), testing::HasSubstr("validator.max_sessions = 1"));
  EXPECT_TRUE(PlayEmptyChip(*s1));
  EXPECT_TRUE(s1->Finish().ok());
  ASSERT_TRUE(WaitFor([&] { return service_->sessions() == 0; }));
  EXPECT_FALSE(ran);

  // Admitted: it runs on a worker (not this thread) and holds the slot until it returns.
  absl::Mutex mu;
  bool release = false, running = false;
  std::thread::id worker;
  ASSERT_TRUE(service_
                  ->RunAdmitted([&] {
                    absl::MutexLock lock(&mu);
                    worker = std::this_thread::get_id();
                    running = true;
                    mu.Await(absl::Condition(&release));
                  })
                  .ok());
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&running), absl::Seconds(20)));
    EXPECT_NE(worker, std::this_thread::get_id());
  }
  EXPECT_EQ(service_->sessions(), 1);
  EXPECT_FALSE(service_->WaitIdle(absl::Now()));
  grpc::ClientContext c2;
  auto s2 = stub_->Session(&c2);
  s2->Write(Start());  // may fail: the call is already over
  v1::SessionEvent e;
  EXPECT_FALSE(s2->Read(&e));
  EXPECT_EQ(s2->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  {
    absl::MutexLock lock(&mu);
    release = true;
  }
  EXPECT_TRUE(service_->WaitIdle(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(service_->sessions(), 0);

  // Draining: refused as a new session is.
  service_->StopAccepting();
  EXPECT_EQ(service_->RunAdmitted([] {}).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The session ends while its next step waits at a worker: that step runs nothing, and the
// gateway gets no further command.
TEST_F(ValidatorServiceTest, EndedSessionRunsNoFurtherStep) {
  StartServer({.workers = 1});
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  ASSERT_TRUE(NextCommand(*stream));
  ASSERT_EQ(Metric("docval_validator_steps_total{outcome=\"run\"}"), 1);

  gate_.Close();
  ASSERT_TRUE(stream->Write(NotFound()));
  ASSERT_TRUE(gate_.WaitInside(1));  // the step for that response is on the worker, held
  ctx.TryCancel();
  ASSERT_TRUE(WaitFor([&] { return Metric("docval_validator_sessions_total{outcome=\"cancelled\"}") == 1; }));
  gate_.Open();

  ASSERT_TRUE(WaitFor([&] { return service_->sessions() == 0; }));
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"run\"}"), 1);
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"dropped\"}"), 1);
  EXPECT_FALSE(NextCommand(*stream));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// Same, with the step still in the queue behind another session's step.
TEST_F(ValidatorServiceTest, QueuedStepOfAnEndedSessionIsDropped) {
  StartServer({.workers = 1});
  gate_.Close();
  grpc::ClientContext busy_ctx;
  auto busy = stub_->Session(&busy_ctx);
  ASSERT_TRUE(busy->Write(Start()));
  ASSERT_TRUE(gate_.WaitInside(1));  // the only worker is held by `busy`

  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  ASSERT_TRUE(WaitFor([&] { return service_->queued_steps() == 1; }));
  EXPECT_EQ(Metric("docval_validator_queued_steps"), 1);
  ctx.TryCancel();
  ASSERT_TRUE(WaitFor([&] { return Metric("docval_validator_sessions_total{outcome=\"cancelled\"}") == 1; }));
  gate_.Open();

  ASSERT_TRUE(WaitFor([&] { return service_->sessions() == 1; }));  // only `busy` is left
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"dropped\"}"), 1);
  EXPECT_EQ(Metric("docval_validator_queued_steps"), 0);
  EXPECT_FALSE(NextCommand(*stream));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);

  ASSERT_TRUE(NextCommand(*busy));
  EXPECT_TRUE(PlayEmptyChip(*busy));
  EXPECT_TRUE(busy->Finish().ok());
}

TEST_F(ValidatorServiceTest, PoolNeverRunsMoreStepsThanWorkers) {
  StartServer({.max_sessions = 10, .workers = 2});
  EXPECT_EQ(service_->workers(), 2);
  EXPECT_EQ(Metric("docval_validator_workers"), 2);
  gate_.Close();
  constexpr int kSessions = 5;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kSessions; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(stub_->Session(contexts.back().get()));
    ASSERT_TRUE(streams.back()->Write(Start()));
  }
  ASSERT_TRUE(gate_.WaitInside(2));
  ASSERT_TRUE(WaitFor([&] { return service_->queued_steps() == kSessions - 2; }));
  EXPECT_EQ(gate_.inside(), 2);
  gate_.Open();

  std::vector<std::thread> chips;
  std::atomic<int> ok{0};
  for (int i = 0; i < kSessions; ++i) {
    chips.emplace_back([&, i] {
      if (NextCommand(*streams[i]) && PlayEmptyChip(*streams[i]) && streams[i]->Finish().ok()) ++ok;
    });
  }
  for (std::thread& t : chips) t.join();
  EXPECT_EQ(ok.load(), kSessions);
  EXPECT_EQ(gate_.max_inside(), 2);
}

// The gateway's stream deadline (the session limit) passes while the chip is silent: the session
// ends, frees its slot, and its late answer runs nothing.
TEST_F(ValidatorServiceTest, DeadlineEndsTheSessionAndItsWork) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  ASSERT_TRUE(NextCommand(*stream));
  ASSERT_TRUE(WaitFor([&] { return service_->sessions() == 0; }));
  EXPECT_EQ(Metric("docval_validator_sessions_total{outcome=\"cancelled\"}"), 1);
  stream->Write(NotFound());  // too late: the call is over
  EXPECT_FALSE(NextCommand(*stream));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"run\"}"), 1);
}

TEST_F(ValidatorServiceTest, DrainRefusesNewSessionsAndLetsOpenOnesFinish) {
  grpc::ClientContext c1;
  auto s1 = stub_->Session(&c1);
  ASSERT_TRUE(s1->Write(Start()));
  ASSERT_TRUE(NextCommand(*s1));

  service_->StopAccepting();
  grpc::ClientContext c2;
  auto s2 = stub_->Session(&c2);
  s2->Write(Start());
  v1::SessionEvent e;
  EXPECT_FALSE(s2->Read(&e));
  EXPECT_EQ(s2->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Metric("docval_validator_sessions_refused_total{reason=\"draining\"}"), 1);

  EXPECT_FALSE(service_->WaitIdle(absl::Now()));  // s1 is still open
  EXPECT_TRUE(PlayEmptyChip(*s1));
  EXPECT_TRUE(s1->Finish().ok());
  EXPECT_TRUE(service_->WaitIdle(absl::Now() + absl::Seconds(20)));
}

TEST_F(ValidatorServiceTest, DrainEndsWhatOutlivesItWithUnavailable) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  ASSERT_TRUE(NextCommand(*stream));
  // The chip never answers: the drain limit passes.
  EXPECT_FALSE(service_->Drain(absl::Milliseconds(50)));
  EXPECT_FALSE(NextCommand(*stream));
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Metric("docval_validator_sessions_total{outcome=\"shutting_down\"}"), 1);
  EXPECT_TRUE(WaitFor([&] { return service_->sessions() == 0; }));
  EXPECT_EQ(Metric("docval_validator_steps_total{outcome=\"run\"}"), 1);

  grpc::ClientContext later;
  auto refused = stub_->Session(&later);
  refused->Write(Start());
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace docval::validator
