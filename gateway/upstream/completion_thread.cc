#include "gateway/upstream/completion_thread.h"

#include <pthread.h>

#include <thread>

namespace docval::gateway {

grpc::CompletionQueue& UpstreamCompletionQueue() {
  // Never destroyed: see the header.
  static grpc::CompletionQueue* const cq = [] {
    auto* q = new grpc::CompletionQueue;
    std::thread([q] {
      pthread_setname_np(pthread_self(), "grpc-completion");
      void* tag = nullptr;
      bool ok = false;
      while (q->Next(&tag, &ok)) static_cast<CompletionTag*>(tag)->Complete(ok);
    }).detach();
    return q;
  }();
  return *cq;
}

}  // namespace docval::gateway
