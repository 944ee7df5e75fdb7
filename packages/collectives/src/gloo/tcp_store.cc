#include "gloo/tcp_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "common/job_queue.h"

namespace fermm {

namespace {

// request: op byte, then strings as (u32 length, bytes); replies likewise
enum Op : uint8_t { kSet = 1, kGet = 2, kCheck = 3 };

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

void WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw std::runtime_error(Errno("store write"));
    p += w;
    n -= static_cast<size_t>(w);
  }
}

/** False on a clean end of stream before the first byte. */
bool ReadAll(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, p + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw DeadlineError("store read timed out");
    if (r < 0) throw std::runtime_error(Errno("store read"));
    if (r == 0) {
      if (got == 0) return false;
      throw std::runtime_error("store connection closed mid-message");
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

void WriteBytes(int fd, const char* data, size_t n) {
  uint32_t len = htonl(static_cast<uint32_t>(n));
  WriteAll(fd, &len, sizeof len);
  if (n > 0) WriteAll(fd, data, n);
}

std::vector<char> ReadBytes(int fd) {
  uint32_t len = 0;
  if (!ReadAll(fd, &len, sizeof len)) throw std::runtime_error("store connection closed");
  std::vector<char> out(ntohl(len));
  if (!out.empty() && !ReadAll(fd, out.data(), out.size())) throw std::runtime_error("store connection closed");
  return out;
}

std::string ReadString(int fd) {
  std::vector<char> b = ReadBytes(fd);
  return std::string(b.begin(), b.end());
}

}  // namespace

TcpStoreServer::TcpStoreServer(int port) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) throw std::runtime_error(Errno("store socket"));
  int one = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(listenFd_, 128) < 0) {
    std::string err = Errno("rank 0 cannot serve the rendezvous store on port " + std::to_string(port));
    ::close(listenFd_);
    throw std::runtime_error(err);
  }
  if (::pipe2(wakeFds_, O_CLOEXEC) < 0) {
    ::close(listenFd_);
    throw std::runtime_error(Errno("store pipe"));
  }
  acceptor_ = std::thread([this] { Accept(); });
}

TcpStoreServer::~TcpStoreServer() { Stop(); }

void TcpStoreServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
  }
  char b = 0;
  (void)!::write(wakeFds_[1], &b, 1);
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& t : threads_) t.join();
  for (int fd : clients_) ::close(fd);
  ::close(listenFd_);
  ::close(wakeFds_[0]);
  ::close(wakeFds_[1]);
}

void TcpStoreServer::Accept() {
  for (;;) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeFds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) {
      ::close(fd);
      return;
    }
    clients_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TcpStoreServer::Serve(int fd) {
  try {
    for (;;) {
      uint8_t op = 0;
      if (!ReadAll(fd, &op, 1)) return;
      if (op == kSet) {
        std::string key = ReadString(fd);
        std::vector<char> value = ReadBytes(fd);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          data_[key] = std::move(value);
        }
        uint8_t ok = 1;
        WriteAll(fd, &ok, 1);
      } else if (op == kGet) {
        std::string key = ReadString(fd);
        std::vector<char> value;
        uint8_t found = 0;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          auto it = data_.find(key);
          if (it != data_.end()) {
            found = 1;
            value = it->second;
          }
        }
        WriteAll(fd, &found, 1);
        if (found) WriteBytes(fd, value.data(), value.size());
      } else if (op == kCheck) {
        uint32_t n = 0;
        ReadAll(fd, &n, sizeof n);
        n = ntohl(n);
        std::vector<std::string> keys;
        for (uint32_t i = 0; i < n; i++) keys.push_back(ReadString(fd));
        uint8_t all = 1;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          for (const auto& k : keys)
            if (!data_.count(k)) all = 0;
        }
        WriteAll(fd, &all, 1);
      } else {
        return;  // not our protocol: drop the connection
      }
    }
  } catch (...) {
    // a client went away; the others are unaffected
  }
}

TcpStore::TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout)
    : where_(host + ":" + std::to_string(port)), timeout_(timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) throw std::runtime_error("cannot resolve the rendezvous host " + host + ": " + gai_strerror(rc));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string lastError;
  // rank 0 may not be listening yet: retry until the rendezvous deadline
  while (fd_ < 0) {
    for (addrinfo* ai = res; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        fd_ = fd;
      } else {
        lastError = std::strerror(errno);
        ::close(fd);
      }
    }
    if (fd_ >= 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::freeaddrinfo(res);
      throw DeadlineError("no rendezvous store at " + where_ + " within " + std::to_string(timeout.count()) +
                          " ms (" + lastError + "): is rank 0 running with the same MASTER_ADDR/MASTER_PORT?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::freeaddrinfo(res);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

TcpStore::~TcpStore() {
  if (fd_ >= 0) ::close(fd_);
}

void TcpStore::set(const std::string& key, const std::vector<char>& data) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint8_t op = kSet;
  WriteAll(fd_, &op, 1);
  WriteBytes(fd_, key.data(), key.size());
  WriteBytes(fd_, data.data(), data.size());
  uint8_t ok = 0;
  if (!ReadAll(fd_, &ok, 1)) throw std::runtime_error("rendezvous store at " + where_ + " closed the connection");
}

std::vector<char> TcpStore::get(const std::string& key) {
  wait({key}, timeout_);
  std::lock_guard<std::mutex> lock(mutex_);
  uint8_t op = kGet;
  WriteAll(fd_, &op, 1);
  WriteBytes(fd_, key.data(), key.size());
  uint8_t found = 0;
  if (!ReadAll(fd_, &found, 1)) throw std::runtime_error("rendezvous store at " + where_ + " closed the connection");
  if (!found) throw std::runtime_error("rendezvous store has no key '" + key + "'");
  return ReadBytes(fd_);
}

bool TcpStore::Check(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint8_t op = kCheck;
  WriteAll(fd_, &op, 1);
  uint32_t n = htonl(static_cast<uint32_t>(keys.size()));
  WriteAll(fd_, &n, sizeof n);
  for (const auto& k : keys) WriteBytes(fd_, k.data(), k.size());
  uint8_t all = 0;
  if (!ReadAll(fd_, &all, 1)) throw std::runtime_error("rendezvous store at " + where_ + " closed the connection");
  return all == 1;
}

void TcpStore::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Check(keys)) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      throw DeadlineError("rendezvous timed out after " + std::to_string(timeout.count()) +
                          " ms waiting for rank(s) " + list + " to join the store at " + where_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace fermm
