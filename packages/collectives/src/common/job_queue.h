// One ordered queue of collectives per engine, run on a thread of its own.
//
// Every rank must issue the same collectives in the same order, so sync and async calls share
// the queue: a sync call blocks the JS thread until its own job (and everything queued before
// it) has run; an async call returns a promise that a thread-safe function settles on the JS
// thread. Library errors are caught on the queue thread and become JS errors carrying
// engine/op/timedOut; after the first failure the engine refuses further work, because the
// ranks no longer agree on where they are in the sequence.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fermm {

/** Thrown by an engine's work when a collective passes its deadline. */
class DeadlineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Job {
  std::string op;
  /** Runs on the queue thread. */
  std::function<void()> work;
  /** Runs on the JS thread once `work` succeeded; empty means `undefined`. */
  std::function<Napi::Value(Napi::Env)> result;
  bool failed = false;
  bool timedOut = false;
  std::string error;
  // sync callers wait for `done`
  bool sync = false;
  bool done = false;
  // async callers: the promise, and the JS objects `work` reads or writes, alive until it settles
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  std::vector<Napi::ObjectReference> keep;
};

class JobQueue {
 public:
  struct State;

  /**
   * `engine` names the engine in errors; `isTimeout` tells a library message that reports a
   * deadline; `onStop` releases the engine's resources on the queue thread after the last job,
   * told whether close() asked for it (true) or the engine was garbage-collected or torn down
   * with the process (false).
   */
  JobQueue(Napi::Env env, std::string engine, std::function<bool(const std::string&)> isTimeout,
           std::function<void(bool)> onStop);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  /** Queues `job` and blocks until it ran; returns its result or throws its error. */
  Napi::Value RunSync(Napi::Env env, std::unique_ptr<Job> job);
  /** Queues `job`; the promise settles on the JS thread. */
  Napi::Value RunAsync(Napi::Env env, std::unique_ptr<Job> job);
  /** Later calls throw; queued jobs still run, then `onStop` runs. Joins the thread when idle. */
  void Close();
  bool Closed() const;
  /** The JS error for a failed op (also used for argument and state errors). */
  static Napi::Error MakeError(Napi::Env env, const std::string& engine, const std::string& op,
                               const std::string& message, bool timedOut);
  Napi::Error MakeError(Napi::Env env, const std::string& op, const std::string& message) const;

 private:
  void Push(Napi::Env env, Job* job);
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace fermm
