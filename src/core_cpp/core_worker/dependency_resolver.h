// Inlines the values of arguments this process owns once they exist, so the executor never
// has to call back for them; borrowed arguments stay references (the executor asks their
// owner). Shared by the normal and the actor task submitters.
#pragma once

#include <functional>
#include <memory>

#include "common.pb.h"
#include "common/event_loop.h"
#include "core_worker/memory_store.h"
#include "core_worker/reference_counter.h"

namespace colony {

class DependencyResolver {
 public:
  DependencyResolver(EventLoop* loop, MemoryStore* store, ReferenceCounter* refs)
      : loop_(loop), store_(store), refs_(refs) {}

  // Calls `done` on the loop once every owned argument of `spec` is inlined.
  void Resolve(std::shared_ptr<rpc::TaskSpec> spec, std::function<void()> done);
  // False when `spec` has no argument this process owns: it can go out as it is.
  bool NeedsResolving(const rpc::TaskSpec& spec) const;

 private:
  EventLoop* loop_;
  MemoryStore* store_;
  ReferenceCounter* refs_;
};

}  // namespace colony
