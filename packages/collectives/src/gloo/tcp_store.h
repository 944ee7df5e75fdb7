// The rendezvous key-value store of torchrun's contract (MASTER_ADDR / MASTER_PORT): rank 0
// serves it on a thread of its own, every rank (rank 0 included) is a client. Gloo's
// connectFullMesh publishes each rank's pair addresses under its rank number and waits for
// the others'.
#pragma once

#include <gloo/rendezvous/store.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fermm {

/** Serves SET / GET / CHECK on `port` (all interfaces) until Stop(). */
class TcpStoreServer {
 public:
  explicit TcpStoreServer(int port);
  ~TcpStoreServer();
  void Stop();

 private:
  void Accept();
  void Serve(int fd);
  int listenFd_ = -1;
  int wakeFds_[2] = {-1, -1};
  std::mutex mutex_;
  std::map<std::string, std::vector<char>> data_;
  std::vector<int> clients_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
  bool stopped_ = false;
};

/** A client of TcpStoreServer; connects (retrying until `timeout`) to host:port. */
class TcpStore : public gloo::rendezvous::Store {
 public:
  TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~TcpStore() override;

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override { wait(keys, timeout_); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  bool Check(const std::vector<std::string>& keys);
  std::string where_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace fermm
