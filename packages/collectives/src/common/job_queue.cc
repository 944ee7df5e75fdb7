#include "common/job_queue.h"

#include <atomic>
#include <utility>

namespace fermm {

namespace {
void SettleOnJsThread(Napi::Env env, Napi::Function, JobQueue::State* state, Job* job);
void FinalizeTsfn(Napi::Env, void*, JobQueue::State* state);
}  // namespace

using Tsfn = Napi::TypedThreadSafeFunction<JobQueue::State, Job, SettleOnJsThread>;

struct JobQueue::State {
  std::string engine;
  std::function<bool(const std::string&)> isTimeout;
  std::function<void(bool)> onStop;
  bool closedByCall = false;  // close() (not garbage collection or teardown) stopped the queue
  std::mutex mutex;
  std::condition_variable wake;  // the queue thread waits for jobs
  std::condition_variable done;  // sync callers wait for their job
  std::deque<Job*> jobs;
  bool running = false;   // a job is being worked on
  bool stopping = false;  // no more jobs will come
  bool closed = false;
  std::string brokenBy;   // the first failure; later jobs fail with it
  Tsfn tsfn;
  int pendingAsync = 0;   // JS thread only: async jobs not yet settled (keeps the loop alive)
  // the TSFN finalizer owns one reference, so a late settle never sees freed state
  std::shared_ptr<State> self;

  void Execute(Job* job) {
    std::string broken;
    {
      std::lock_guard<std::mutex> lock(mutex);
      broken = brokenBy;
    }
    if (!broken.empty()) {
      job->failed = true;
      job->error = "not run: an earlier collective failed (" + broken + ")";
      return;
    }
    try {
      job->work();
    } catch (const DeadlineError& e) {
      job->failed = true;
      job->timedOut = true;
      job->error = e.what();
    } catch (const std::exception& e) {
      job->failed = true;
      job->error = e.what();
      job->timedOut = isTimeout && isTimeout(job->error);
    } catch (...) {
      job->failed = true;
      job->error = "unknown C++ exception";
    }
    if (job->failed) {
      std::lock_guard<std::mutex> lock(mutex);
      if (brokenBy.empty()) brokenBy = job->op + ": " + job->error;
    }
  }

  void Loop() {
    for (;;) {
      Job* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return !jobs.empty() || stopping; });
        if (jobs.empty()) break;
        job = jobs.front();
        jobs.pop_front();
        running = true;
      }
      Execute(job);
      if (job->sync) {
        std::lock_guard<std::mutex> lock(mutex);
        job->done = true;
        running = false;
        done.notify_all();
      } else {
        {
          std::lock_guard<std::mutex> lock(mutex);
          running = false;
        }
        tsfn.BlockingCall(job);
      }
    }
    try {
      bool byCall;
      {
        std::lock_guard<std::mutex> lock(mutex);
        byCall = closedByCall;
      }
      if (onStop) onStop(byCall);
    } catch (...) {
      // closing connections to peers that are already gone may throw; nothing is left to tell
    }
    tsfn.Release();
  }
};

namespace {

void SettleOnJsThread(Napi::Env env, Napi::Function, JobQueue::State* state, Job* job) {
  std::unique_ptr<Job> owned(job);
  if (env == nullptr) return;  // the environment is being torn down
  Napi::HandleScope scope(env);
  if (job->failed) {
    job->deferred->Reject(JobQueue::MakeError(env, state->engine, job->op, job->error, job->timedOut).Value());
  } else {
    try {
      job->deferred->Resolve(job->result ? job->result(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      job->deferred->Reject(e.Value());
    }
  }
  if (--state->pendingAsync == 0) state->tsfn.Unref(env);
}

void FinalizeTsfn(Napi::Env, void*, JobQueue::State* state) {
  state->self.reset();  // may free `state`
}

}  // namespace

JobQueue::JobQueue(Napi::Env env, std::string engine, std::function<bool(const std::string&)> isTimeout,
                   std::function<void(bool)> onStop)
    : state_(std::make_shared<State>()) {
  state_->engine = std::move(engine);
  state_->isTimeout = std::move(isTimeout);
  state_->onStop = std::move(onStop);
  state_->self = state_;
  state_->tsfn = Tsfn::New(env, "fermm-collectives", 0, 1, state_.get(), FinalizeTsfn, static_cast<void*>(nullptr));
  state_->tsfn.Unref(env);  // an idle engine does not keep the process alive
  std::shared_ptr<State> state = state_;
  thread_ = std::thread([state] { state->Loop(); });
}

JobQueue::~JobQueue() {
  bool idle;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->closed = true;
    state_->stopping = true;
    idle = state_->jobs.empty() && !state_->running;
  }
  state_->wake.notify_all();
  if (!thread_.joinable()) return;
  // a job stuck on a dead peer must not hold up garbage collection or exit: the thread owns
  // its state through a shared pointer, so it may finish on its own
  if (idle) thread_.join();
  else thread_.detach();
}

bool JobQueue::Closed() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->closed;
}

void JobQueue::Close() {
  bool idle;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->closed) return;
    state_->closed = true;
    state_->closedByCall = true;
    state_->stopping = true;
    idle = state_->jobs.empty() && !state_->running;
  }
  state_->wake.notify_all();
  if (idle && thread_.joinable()) thread_.join();
}

Napi::Error JobQueue::MakeError(Napi::Env env, const std::string& engine, const std::string& op,
                                const std::string& message, bool timedOut) {
  Napi::Error error = Napi::Error::New(env, engine + " " + op + " failed: " + message);
  error.Set("engine", Napi::String::New(env, engine));
  error.Set("op", Napi::String::New(env, op));
  error.Set("timedOut", Napi::Boolean::New(env, timedOut));
  error.Set("cause", Napi::String::New(env, message));
  error.Set("collective", Napi::Boolean::New(env, true));
  return error;
}

Napi::Error JobQueue::MakeError(Napi::Env env, const std::string& op, const std::string& message) const {
  return MakeError(env, state_->engine, op, message, false);
}

void JobQueue::Push(Napi::Env env, Job* job) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->closed) throw MakeError(env, job->op, "the engine is closed");
    state_->jobs.push_back(job);
  }
  state_->wake.notify_one();
}

Napi::Value JobQueue::RunSync(Napi::Env env, std::unique_ptr<Job> job) {
  job->sync = true;
  Push(env, job.get());
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    Job* raw = job.get();
    state_->done.wait(lock, [raw] { return raw->done; });
  }
  if (job->failed) throw MakeError(env, state_->engine, job->op, job->error, job->timedOut);
  return job->result ? job->result(env) : env.Undefined();
}

Napi::Value JobQueue::RunAsync(Napi::Env env, std::unique_ptr<Job> job) {
  job->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise promise = job->deferred->Promise();
  Push(env, job.get());
  job.release();  // settled and freed by SettleOnJsThread
  if (state_->pendingAsync++ == 0) state_->tsfn.Ref(env);
  return promise;
}

}  // namespace fermm
