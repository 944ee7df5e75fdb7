// Gloo's collectives on one rendezvous::Context, called only from the engine's queue thread.
#pragma once

#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/device.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gloo/tcp_store.h"

namespace fermm {

struct GlooOptions {
  int rank = 0;
  int size = 1;
  std::string storeKind;  // "tcp" | "file"
  std::string host;       // tcp
  int port = 0;           // tcp
  std::string path;       // file
  std::string listenAddress;  // empty: derived from the store
  std::string transport = "tcp";  // "tcp" | "ibverbs"
  std::string ibvDevice;          // ibverbs: empty = the first device
  int ibvPort = 1;
  int ibvIndex = 0;
  int64_t timeoutMs = 1800000;
};

class GlooEngine {
 public:
  explicit GlooEngine(GlooOptions options);
  /** Rendezvous and full-mesh connection; blocks up to the timeout. */
  void Connect();
  void AllReduce(float* data, size_t count, bool mean);
  void Broadcast(void* data, size_t bytes, int root);
  /** Variable-size byte buffers: the sizes travel first, then the bytes. */
  std::vector<uint8_t> AllGather(const uint8_t* data, size_t bytes, std::vector<size_t>* sizes);
  void Barrier();
  /** Closes the pairs (peers see the connections end) and stops the store, however the engine ends. */
  void Shutdown(bool byCloseCall = true);

  void SetTimeout(int64_t ms) { timeoutMs_.store(ms); }
  /** The TCP address this rank's pairs listen on, or the InfiniBand device used. */
  const std::string& listenAddress() const { return listenAddress_; }
  static std::string Version();
  /** The transports this libgloo was built with, comma-separated. */
  static std::string Transports();

 private:
  std::chrono::milliseconds Timeout() const { return std::chrono::milliseconds(timeoutMs_.load()); }
  uint32_t NextTag() { return tag_++; }

  GlooOptions options_;
  std::atomic<int64_t> timeoutMs_;
  uint32_t tag_ = 1;
  std::string listenAddress_;
  std::unique_ptr<TcpStoreServer> server_;
  std::unique_ptr<gloo::rendezvous::Store> store_;
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::rendezvous::Context> context_;
};

}  // namespace fermm
