// Open MPI's collectives on a private duplicate of MPI_COMM_WORLD, called only from the engine's
// queue thread (which also initializes and finalizes MPI, so it is MPI's main thread).
//
// Every collective is the non-blocking variant driven to completion by one of two progress
// strategies: polling MPI_Test (the per-op deadline applies) or blocking in MPI_Wait.
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
  MpiEngine(int64_t timeoutMs, bool poll) : timeoutMs_(timeoutMs), poll_(poll) {}
  /** MPI_Init_thread(MPI_THREAD_MULTIPLE) unless MPI is already up; errors return, not abort. */
  void Init();
  void AllReduce(float* data, size_t count, bool mean);
  void Broadcast(void* data, size_t bytes, int root);
  std::vector<uint8_t> AllGather(const uint8_t* data, size_t bytes, std::vector<size_t>* sizes);
  void Barrier();
  /** Frees the communicator and finalizes MPI, unless a collective failed (finalize would wait on the lost rank). */
  void Shutdown();

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
  bool poll_;
  bool initializedHere_ = false;
  bool failed_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::string version_;
  std::string threadLevel_;
};

}  // namespace fermm
