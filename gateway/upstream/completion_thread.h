// The thread that runs the completions of the gateway's gRPC calls made with gRPC's asynchronous
// (completion-queue) API.
//
// Why not the callback API: gRPC 1.51 runs callback reactions on two "nexting" threads per process
// that hand the role of poller to each other for every event, so each message of a session stream
// cost the gateway wake-ups of threads that then only posted the message on to the session's I/O
// thread (bench/README.md, server_bench). Here one thread polls one completion queue and runs each
// completion itself: a message costs one wake-up, of this thread, and the post to the I/O thread.
//
// Contract: a Tag is handed to gRPC as an operation's tag and must outlive that operation; its
// Complete(ok) runs on this thread, once per operation, with gRPC's `ok`. Handlers must be short
// and never block: they post work elsewhere. One queue serves every call of the process; it lives
// until the process ends (gRPC's operations of calls still open then are never completed, which is
// harmless at exit and spares the gateway an ordering of its shutdown around the queue).
#ifndef DOCVAL_GATEWAY_UPSTREAM_COMPLETION_THREAD_H_
#define DOCVAL_GATEWAY_UPSTREAM_COMPLETION_THREAD_H_

#include <grpcpp/grpcpp.h>

namespace docval::gateway {

class CompletionTag {
 public:
  virtual void Complete(bool ok) = 0;

 protected:
  ~CompletionTag() = default;
};

// The process's queue, its thread started on first use.
grpc::CompletionQueue& UpstreamCompletionQueue();

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_COMPLETION_THREAD_H_
