#include "mpi/mpi_engine.h"

#include <climits>
#include <stdexcept>
#include <thread>

#include "common/job_queue.h"

namespace fermm {

namespace {

std::string ErrorString(int rc) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(rc);
  return std::string(text, static_cast<size_t>(len));
}

const char* LevelName(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    default: return "MPI_THREAD_MULTIPLE";
  }
}

int IntCount(size_t n, const char* what) {
  if (n > static_cast<size_t>(INT_MAX)) throw std::runtime_error(std::string(what) + " exceeds MPI's int count limit");
  return static_cast<int>(n);
}

}  // namespace

std::string MpiEngine::LibraryVersion() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string v(text, static_cast<size_t>(len));
  size_t cut = v.find_first_of("\r\n,");
  return cut == std::string::npos ? v : v.substr(0, cut);
}

void MpiEngine::Check(int rc, const char* call) {
  if (rc != MPI_SUCCESS) {
    failed_ = true;
    throw std::runtime_error(std::string(call) + ": " + ErrorString(rc));
  }
}

void MpiEngine::Init() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) throw std::runtime_error("MPI was finalized in this process; it cannot start again");
  int provided = 0;
  if (!initialized) {
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    if (rc != MPI_SUCCESS) throw std::runtime_error("MPI_Init_thread: " + ErrorString(rc));
    initializedHere_ = true;
  } else {
    MPI_Query_thread(&provided);
  }
  // every call is made from this queue thread, so SERIALIZED is enough; less is not
  if (provided < MPI_THREAD_SERIALIZED)
    throw std::runtime_error(std::string("MPI granted only ") + LevelName(provided) + ", MPI_THREAD_SERIALIZED or more is needed");
  threadLevel_ = LevelName(provided);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  Check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
  Check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  Check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  Check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  version_ = LibraryVersion();
}

void MpiEngine::Complete(MPI_Request* request, const char* call) {
  if (progress_ == Progress::kWait) {
    Check(MPI_Wait(request, MPI_STATUS_IGNORE), call);
    return;
  }
  const auto timeout = std::chrono::milliseconds(timeoutMs_.load());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (unsigned spins = 0;; spins++) {
    int done = 0;
    Check(MPI_Test(request, &done, MPI_STATUS_IGNORE), call);
    if (done) return;
    // every MPI_Test moves the transfer on (large messages go in many fragments), so poll
    // continuously, only yielding the core to runnable threads (the JS thread) between polls
    std::this_thread::yield();
    if ((spins & 63) == 0 && std::chrono::steady_clock::now() > deadline) {
      failed_ = true;
      throw DeadlineError(std::string(call) + " timed out after " + std::to_string(timeout.count()) + " ms");
    }
  }
}

void MpiEngine::AllReduce(float* data, size_t count, bool mean) {
  if (count == 0) return;
  const int n = IntCount(count, "allReduce length");
  if (progress_ == Progress::kBlocking) {
    Check(MPI_Allreduce(MPI_IN_PLACE, data, n, MPI_FLOAT, MPI_SUM, comm_), "MPI_Allreduce");
  } else {
    MPI_Request request;
    Check(MPI_Iallreduce(MPI_IN_PLACE, data, n, MPI_FLOAT, MPI_SUM, comm_, &request), "MPI_Iallreduce");
    Complete(&request, "MPI_Iallreduce");
  }
  if (mean) {
    const float n = static_cast<float>(size_);
    for (size_t i = 0; i < count; i++) data[i] /= n;
  }
}

void MpiEngine::Broadcast(void* data, size_t bytes, int root) {
  if (bytes == 0) return;
  const int n = IntCount(bytes, "broadcast size");
  if (progress_ == Progress::kBlocking) {
    Check(MPI_Bcast(data, n, MPI_BYTE, root, comm_), "MPI_Bcast");
  } else {
    MPI_Request request;
    Check(MPI_Ibcast(data, n, MPI_BYTE, root, comm_, &request), "MPI_Ibcast");
    Complete(&request, "MPI_Ibcast");
  }
}

std::vector<uint8_t> MpiEngine::AllGather(const uint8_t* data, size_t bytes, std::vector<size_t>* sizes) {
  std::vector<uint64_t> counts(size_, 0);
  uint64_t mine = bytes;
  if (progress_ == Progress::kBlocking) {
    Check(MPI_Allgather(&mine, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, comm_), "MPI_Allgather");
  } else {
    MPI_Request request;
    Check(MPI_Iallgather(&mine, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, comm_, &request), "MPI_Iallgather");
    Complete(&request, "MPI_Iallgather");
  }
  sizes->assign(counts.begin(), counts.end());
  std::vector<int> recvCounts(size_), displs(size_);
  size_t total = 0;
  for (int r = 0; r < size_; r++) {
    recvCounts[r] = IntCount(counts[r], "allGather buffer");
    displs[r] = IntCount(total, "allGather total");
    total += counts[r];
  }
  std::vector<uint8_t> out(total);
  if (total == 0) return out;
  const int mineCount = IntCount(bytes, "allGather buffer");
  if (progress_ == Progress::kBlocking) {
    Check(MPI_Allgatherv(data, mineCount, MPI_BYTE, out.data(), recvCounts.data(), displs.data(), MPI_BYTE, comm_),
          "MPI_Allgatherv");
  } else {
    MPI_Request request;
    Check(MPI_Iallgatherv(data, mineCount, MPI_BYTE, out.data(), recvCounts.data(), displs.data(), MPI_BYTE, comm_,
                          &request),
          "MPI_Iallgatherv");
    Complete(&request, "MPI_Iallgatherv");
  }
  return out;
}

void MpiEngine::Barrier() {
  if (progress_ == Progress::kBlocking) {
    Check(MPI_Barrier(comm_), "MPI_Barrier");
  } else {
    MPI_Request request;
    Check(MPI_Ibarrier(comm_, &request), "MPI_Ibarrier");
    Complete(&request, "MPI_Ibarrier");
  }
}

void MpiEngine::Shutdown(bool byCloseCall) {
  if (failed_ || !byCloseCall) return;
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  if (initializedHere_) MPI_Finalize();
}

}  // namespace fermm
