// One gRPC stub per remote address, created on first use and shared afterwards.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "rpc/grpc_util.h"

namespace colony {

template <typename Service>
class ClientPool {
 public:
  using Stub = typename Service::Stub;
  typename Service::Stub* Get(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& stub = stubs_[address];
    if (!stub) stub = Service::NewStub(rpc::MakeChannel(address));
    return stub.get();
  }
  void Remove(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    stubs_.erase(address);
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Stub>> stubs_;
};

}  // namespace colony
