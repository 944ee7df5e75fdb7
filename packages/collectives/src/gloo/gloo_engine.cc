#include "gloo/gloo_engine.h"

#include <arpa/inet.h>
#include <gloo/allgatherv.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/config.h>
#include <gloo/math.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/transport/tcp/device.h>
#if GLOO_HAVE_TRANSPORT_IBVERBS
#if __has_include(<infiniband/verbs.h>)
#include <gloo/transport/ibverbs/device.h>
#else
// gloo/transport/ibverbs/device.h needs libibverbs-dev's headers only for types this file never
// touches: declare the two entry points it uses (as libgloo defines them)
namespace gloo {
namespace transport {
namespace ibverbs {
struct attr {
  std::string name;
  int port;
  int index;
};
std::vector<std::string> getDeviceNames();
std::shared_ptr<::gloo::transport::Device> CreateDevice(const struct attr&);
}  // namespace ibverbs
}  // namespace transport
}  // namespace gloo
#endif
#endif
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace fermm {

namespace {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

/** The local address the route to host:port leaves from (a UDP connect sends nothing). */
std::string RouteSource(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return "";
  std::string out;
  int fd = ::socket(res->ai_family, res->ai_socktype, 0);
  if (fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
    sockaddr_in local{};
    socklen_t len = sizeof local;
    char buf[INET_ADDRSTRLEN] = {0};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
        ::inet_ntop(AF_INET, &local.sin_addr, buf, sizeof buf) != nullptr)
      out = buf;
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(res);
  return out;
}

/** This host's name when it resolves (as torch does for file stores), else loopback. */
std::string HostAddress() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &res) != 0) return "127.0.0.1";
  ::freeaddrinfo(res);
  return name;
}

/** Gloo's FileStore, remembering the key files this rank wrote so it can remove them. */
class CleanFileStore : public gloo::rendezvous::FileStore {
 public:
  using FileStore::FileStore;
  void set(const std::string& key, const std::vector<char>& data) override {
    FileStore::set(key, data);
    written_.push_back(objectPath(key));
  }
  void RemoveWritten() {
    for (const auto& f : written_) std::remove(f.c_str());
    written_.clear();
  }

 private:
  std::vector<std::string> written_;
};

using ReduceFn = void (*)(void*, const void*, const void*, size_t);

}  // namespace

GlooEngine::GlooEngine(GlooOptions options) : options_(std::move(options)), timeoutMs_(options_.timeoutMs) {}

std::string GlooEngine::Version() {
  return std::to_string(GLOO_VERSION_MAJOR) + "." + std::to_string(GLOO_VERSION_MINOR) + "." +
         std::to_string(GLOO_VERSION_PATCH);
}

std::string GlooEngine::Transports() {
#if GLOO_HAVE_TRANSPORT_IBVERBS
  return "tcp,ibverbs";
#else
  return "tcp";
#endif
}

namespace {

std::shared_ptr<gloo::transport::Device> IbverbsDevice(const GlooOptions& options, std::string* used) {
#if GLOO_HAVE_TRANSPORT_IBVERBS
  gloo::transport::ibverbs::attr attr;
  attr.name = options.ibvDevice;
  if (attr.name.empty()) {
    std::vector<std::string> names = gloo::transport::ibverbs::getDeviceNames();
    if (names.empty()) throw std::runtime_error("the ibverbs transport found no InfiniBand device on this host");
    attr.name = names.front();
  }
  attr.port = options.ibvPort;
  attr.index = options.ibvIndex;
  *used = attr.name;
  return gloo::transport::ibverbs::CreateDevice(attr);
#else
  throw std::runtime_error("this libgloo was built without the ibverbs transport");
#endif
}

}  // namespace

void GlooEngine::Connect() {
  const auto timeout = Timeout();
  if (options_.storeKind == "tcp") {
    if (options_.rank == 0) server_ = std::make_unique<TcpStoreServer>(options_.port);
    store_ = std::make_unique<TcpStore>(options_.host, options_.port, timeout);
  } else {
    store_ = std::make_unique<CleanFileStore>(options_.path);
  }
  if (options_.transport == "ibverbs") {
    device_ = IbverbsDevice(options_, &listenAddress_);
  } else {
    listenAddress_ = options_.listenAddress;
    if (listenAddress_.empty()) {
      if (options_.storeKind == "tcp")
        listenAddress_ = IsLoopback(options_.host) ? "127.0.0.1" : RouteSource(options_.host, options_.port);
      if (listenAddress_.empty()) listenAddress_ = HostAddress();
    }
    gloo::transport::tcp::attr attr;
    attr.hostname = listenAddress_;
    device_ = gloo::transport::tcp::CreateDevice(attr);
  }
  auto context = std::make_shared<gloo::rendezvous::Context>(options_.rank, options_.size);
  context->setTimeout(timeout);
  context->connectFullMesh(*store_, device_);
  context_ = context;
  // every rank has read every address once all pass this barrier: the file store's keys can go,
  // so the same directory serves the next run
  Barrier();
  if (auto* files = dynamic_cast<CleanFileStore*>(store_.get())) files->RemoveWritten();
}

void GlooEngine::AllReduce(float* data, size_t count, bool mean) {
  if (count == 0) return;
  gloo::AllreduceOptions opts(context_);
  opts.setOutput(data, count);
  opts.setReduceFunction(static_cast<ReduceFn>(&gloo::sum<float>));
  opts.setTag(NextTag());
  opts.setTimeout(Timeout());
  gloo::allreduce(opts);
  // a division (not a multiply by 1/size) keeps every representable mean exact
  if (mean) {
    const float n = static_cast<float>(options_.size);
    for (size_t i = 0; i < count; i++) data[i] /= n;
  }
}

void GlooEngine::Broadcast(void* data, size_t bytes, int root) {
  if (bytes == 0) return;
  gloo::BroadcastOptions opts(context_);
  opts.setOutput(static_cast<uint8_t*>(data), bytes);
  opts.setRoot(root);
  opts.setTag(NextTag());
  opts.setTimeout(Timeout());
  gloo::broadcast(opts);
}

std::vector<uint8_t> GlooEngine::AllGather(const uint8_t* data, size_t bytes, std::vector<size_t>* sizes) {
  const int n = options_.size;
  std::vector<uint64_t> counts(n, 0);
  uint64_t mine = bytes;
  {
    gloo::AllgathervOptions opts(context_);
    opts.setInput(&mine, 1);
    opts.setOutput(counts.data(), std::vector<size_t>(n, 1));
    opts.setTag(NextTag());
    opts.setTimeout(Timeout());
    gloo::allgatherv(opts);
  }
  sizes->assign(counts.begin(), counts.end());
  size_t total = 0;
  for (size_t c : *sizes) total += c;
  std::vector<uint8_t> out(total);
  if (total == 0) return out;
  static uint8_t empty = 0;  // gloo wants a pointer even for a rank that sends nothing
  gloo::AllgathervOptions opts(context_);
  opts.setInput(bytes > 0 ? const_cast<uint8_t*>(data) : &empty, bytes);
  opts.setOutput(out.data(), *sizes);
  opts.setTag(NextTag());
  opts.setTimeout(Timeout());
  gloo::allgatherv(opts);
  return out;
}

void GlooEngine::Barrier() {
  gloo::BarrierOptions opts(context_);
  opts.setTag(NextTag());
  opts.setTimeout(Timeout());
  gloo::barrier(opts);
}

void GlooEngine::Shutdown(bool) {
  context_.reset();
  device_.reset();
  store_.reset();
  if (server_) server_->Stop();
  server_.reset();
}

}  // namespace fermm
