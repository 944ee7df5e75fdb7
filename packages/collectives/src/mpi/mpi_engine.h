// Open MPI's collectives on a private duplicate of MPI_COMM_WORLD, called only from the engine's
// queue thread (which also initializes and finalizes MPI, so it is MPI's main thread).
//
// Progress strategies: 'test' runs the non-blocking collective and polls MPI_Test (the per-op
// deadline applies), 'wait' runs it and blocks in MPI_Wait, 'blocking' calls the blocking
// collective (MPI_Allreduce ...: Open MPI's tuned algorithms) on the queue thread.
#pragma once

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace fermm {

class MpiEngine {
 public:
  enum class Progress { kTest, kWait, kBlocking };
  MpiEngine(int64_t timeoutMs, Progress progress) : timeoutMs_(timeoutMs), progress_(progress) {}
  /** MPI_Init_thread(MPI_THREAD_MULTIPLE) unless MPI is already up; errors return, not abort. */
  void Init();
  void AllReduce(float* data, size_t count, bool mean);
  void Broadcast(void* data, size_t bytes, int root);
  std::vector<uint8_t> AllGather(const uint8_t* data, size_t bytes, std::vector<size_t>* sizes);
  void Barrier();
  /**
   * On close(): frees the communicator and finalizes MPI, unless a collective failed. Finalize
   * waits for every rank, so it is skipped too when the engine is merely collected or torn down
   * with a failing process: mpirun then ends the job instead of this rank hanging.
   */
  void Shutdown(bool byCloseCall);

  void SetTimeout(int64_t ms) { timeoutMs_.store(ms); }
  int rank() const { return rank_; }
  int size() const { return size_; }
  const std::string& version() const { return version_; }
  const std::string& threadLevel() const { return threadLevel_; }
  /** MPI_Get_library_version's first line, without initializing MPI. */
  static std::string LibraryVersion();

 private:
  void Check(int rc, const char* call);
  void Complete(MPI_Request* request, const char* call);

  std::atomic<int64_t> timeoutMs_;
  Progress progress_;
  bool initializedHere_ = false;
  bool failed_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::string version_;
  std::string threadLevel_;
};

}  // namespace fermm
