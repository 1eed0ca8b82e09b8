#include "gateway/upstream/validator_stream.h"

#include <pthread.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

// A validator that answers the start with command "c", then each response R with command "c" + R,
// and ends the call with OK on the response "end".
class EchoValidator final : public v1::Validator::Service {
 public:
  grpc::Status Session(grpc::ServerContext*,
                       grpc::ServerReaderWriter<v1::SessionEvent, v1::SessionRequest>* stream) override {
    v1::SessionRequest request;
    if (!stream->Read(&request) || !request.has_start()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "");
    v1::SessionEvent event;
    event.set_command_apdu("c");
    if (!stream->Write(event)) return grpc::Status::CANCELLED;
    while (stream->Read(&request)) {
      if (request.response_apdu() == "end") return grpc::Status::OK;
      event.set_command_apdu("c" + request.response_apdu());
      if (!stream->Write(event)) break;
    }
    return grpc::Status::CANCELLED;
  }
};

std::string ThreadName() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

// What one stream delivered: the commands in order, then the end.
struct Record {
  absl::Mutex mu;
  std::vector<std::string> commands ABSL_GUARDED_BY(mu);
  std::vector<std::string> threads ABSL_GUARDED_BY(mu);
  int ends ABSL_GUARDED_BY(mu) = 0;
  size_t commands_at_end ABSL_GUARDED_BY(mu) = 0;
  grpc::Status status ABSL_GUARDED_BY(mu);

  bool WaitForCommands(size_t n) {
    absl::MutexLock lock(&mu);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return commands.size() >= n; };
    return mu.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  bool WaitForEnd() {
    absl::MutexLock lock(&mu);
    auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return ends > 0; };
    return mu.AwaitWithTimeout(absl::Condition(&ended), absl::Seconds(10));
  }
};

class ValidatorStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
    stub_ = v1::Validator::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::shared_ptr<ValidatorStream> Open(Record& r) {
    v1::SessionRequest start;
    start.mutable_start()->set_session_id("s");
    return ValidatorStream::Open(
        *stub_, std::chrono::system_clock::now() + std::chrono::seconds(20), start,
        [&r](v1::SessionEvent e) {
          absl::MutexLock lock(&r.mu);
          r.commands.push_back(e.command_apdu());
          r.threads.push_back(ThreadName());
        },
        [&r](grpc::Status s) {
          absl::MutexLock lock(&r.mu);
          ++r.ends;
          r.commands_at_end = r.commands.size();
          r.status = s;
          r.threads.push_back(ThreadName());
        });
  }

  EchoValidator service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Validator::Stub> stub_;
};

TEST_F(ValidatorStreamTest, EventsComeInOrderAndTheEndLastAllOnTheCompletionThread) {
  Record r;
  std::shared_ptr<ValidatorStream> stream = Open(r);
  ASSERT_TRUE(r.WaitForCommands(1));
  // Several responses at once: the stream queues them behind the write in flight.
  for (const char* response : {"1", "2", "3"}) stream->SendResponse(response);
  ASSERT_TRUE(r.WaitForCommands(4));
  stream->SendResponse("end");
  ASSERT_TRUE(r.WaitForEnd());
  stream->SendResponse("late");  // after the end: ignored
  stream->Cancel();              // after the end: a no-op
  absl::MutexLock lock(&r.mu);
  EXPECT_EQ(r.commands, (std::vector<std::string>{"c", "c1", "c2", "c3"}));
  EXPECT_EQ(r.ends, 1);
  EXPECT_EQ(r.commands_at_end, 4u);
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  for (const std::string& t : r.threads) EXPECT_EQ(t, "grpc-completion");
}

TEST_F(ValidatorStreamTest, CancelEndsTheStreamOnceWithCancelled) {
  Record r;
  std::shared_ptr<ValidatorStream> stream = Open(r);
  ASSERT_TRUE(r.WaitForCommands(1));
  stream->Cancel();
  ASSERT_TRUE(r.WaitForEnd());
  stream->Cancel();
  stream->SendResponse("1");
  absl::SleepFor(absl::Milliseconds(50));  // room for a second end, were there one
  absl::MutexLock lock(&r.mu);
  EXPECT_EQ(r.ends, 1);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(r.commands, std::vector<std::string>{"c"});
}

// Many streams at once share the one completion thread; each gets its own events and one end.
TEST_F(ValidatorStreamTest, ConcurrentStreamsKeepTheirOwnEvents) {
  constexpr int kStreams = 40;
  std::vector<std::unique_ptr<Record>> records;
  std::vector<std::shared_ptr<ValidatorStream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    records.push_back(std::make_unique<Record>());
    streams.push_back(Open(*records.back()));
  }
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_TRUE(records[i]->WaitForCommands(1));
    streams[i]->SendResponse(std::to_string(i));
  }
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_TRUE(records[i]->WaitForCommands(2));
    streams[i]->SendResponse("end");
  }
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_TRUE(records[i]->WaitForEnd());
    absl::MutexLock lock(&records[i]->mu);
    EXPECT_EQ(records[i]->commands, (std::vector<std::string>{"c", "c" + std::to_string(i)}));
    EXPECT_EQ(records[i]->ends, 1);
    EXPECT_TRUE(records[i]->status.ok());
  }
}

}  // namespace
}  // namespace docval::gateway
