// The N-API class both addons export: its methods queue the engine's collectives on a JobQueue
// (sync: the JS thread waits; async: a promise). `Engine` supplies, as members:
//   static constexpr const char* kName;  static std::shared_ptr<Engine> Create(Napi::Object options);
//   static bool IsTimeout(const std::string&);  void Connect();  Napi::Value Connected(Napi::Env) const;
//   AllReduce, Broadcast, AllGather, Barrier, SetTimeout, Shutdown(bool byCloseCall).
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/args.h"
#include "common/job_queue.h"

namespace fermm {

template <typename Engine>
class EngineBinding : public Napi::ObjectWrap<EngineBinding<Engine>> {
  using Base = Napi::ObjectWrap<EngineBinding<Engine>>;

 public:
  static Napi::Function Define(Napi::Env env, const char* className) {
    return Base::DefineClass(env, className,
                             {
                                 Base::InstanceMethod("connect", &EngineBinding::Connect),
                                 Base::InstanceMethod("allReduce", &EngineBinding::AllReduce),
                                 Base::InstanceMethod("broadcast", &EngineBinding::Broadcast),
                                 Base::InstanceMethod("allGather", &EngineBinding::AllGather),
                                 Base::InstanceMethod("barrier", &EngineBinding::Barrier),
                                 Base::InstanceMethod("setTimeout", &EngineBinding::SetTimeout),
                                 Base::InstanceMethod("close", &EngineBinding::Close),
                             });
  }

  explicit EngineBinding(const Napi::CallbackInfo& info) : Base(info) {
    if (info.Length() < 1 || !info[0].IsObject())
      throw Napi::TypeError::New(info.Env(), std::string(Engine::kName) + " engine: options object expected");
    engine_ = Engine::Create(info[0].As<Napi::Object>());
    std::shared_ptr<Engine> engine = engine_;
    queue_ = std::make_unique<JobQueue>(info.Env(), Engine::kName, &Engine::IsTimeout, [engine](bool byCall) { engine->Shutdown(byCall); });
  }

 private:
  std::unique_ptr<Job> NewJob(const char* op) {
    auto job = std::make_unique<Job>();
    job->op = op;
    return job;
  }

  Napi::Value Run(const Napi::CallbackInfo& info, std::unique_ptr<Job> job, bool async) {
    if (async) {
      job->keep.push_back(Napi::Persistent(this->Value()));  // the engine outlives its pending calls
      return queue_->RunAsync(info.Env(), std::move(job));
    }
    return queue_->RunSync(info.Env(), std::move(job));
  }

  /** connect(): Promise of whatever the engine reports once every rank is in. */
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    auto job = NewJob("init");
    std::shared_ptr<Engine> engine = engine_;
    job->work = [engine] { engine->Connect(); };
    job->result = [engine](Napi::Env env) { return engine->Connected(env); };
    return Run(info, std::move(job), true);
  }

  /** Queues `work` on `buf` (kept alive until an async call settles). */
  Napi::Value RunOnBuffer(const Napi::CallbackInfo& info, const char* op, Napi::TypedArray buf, bool async,
                          std::function<void()> work, std::function<Napi::Value(Napi::Env)> result = nullptr) {
    auto job = NewJob(op);
    job->work = std::move(work);
    job->result = std::move(result);
    if (async) job->keep.push_back(Napi::Persistent(buf.As<Napi::Object>()));
    return Run(info, std::move(job), async);
  }

  /** allReduce(buf: Float32Array, mean: boolean, async: boolean) */
  Napi::Value AllReduce(const Napi::CallbackInfo& info) {
    Napi::Float32Array buf = Float32Arg(info, 0, "allReduce");
    bool mean = BoolArg(info, 1);
    float* data = static_cast<float*>(DataOf(buf));
    size_t count = buf.ElementLength();
    std::shared_ptr<Engine> engine = engine_;
    return RunOnBuffer(info, "allReduce", buf, BoolArg(info, 2), [engine, data, count, mean] { engine->AllReduce(data, count, mean); });
  }

  /** broadcast(buf: TypedArray, root: number, async: boolean) */
  Napi::Value Broadcast(const Napi::CallbackInfo& info) {
    Napi::TypedArray buf = TypedArrayArg(info, 0, "broadcast");
    int root = IntArg(info, 1, "broadcast", "root");
    void* data = DataOf(buf);
    size_t bytes = buf.ByteLength();
    std::shared_ptr<Engine> engine = engine_;
    return RunOnBuffer(info, "broadcast", buf, BoolArg(info, 2), [engine, data, bytes, root] { engine->Broadcast(data, bytes, root); });
  }

  /** allGather(buf: Uint8Array, async: boolean): Uint8Array[] in rank order */
  Napi::Value AllGather(const Napi::CallbackInfo& info) {
    Napi::TypedArray buf = TypedArrayArg(info, 0, "allGather");
    const uint8_t* data = static_cast<const uint8_t*>(DataOf(buf));
    size_t bytes = buf.ByteLength();
    auto out = std::make_shared<std::vector<uint8_t>>();
    auto sizes = std::make_shared<std::vector<size_t>>();
    std::shared_ptr<Engine> engine = engine_;
    return RunOnBuffer(
        info, "allGather", buf, BoolArg(info, 1), [engine, data, bytes, out, sizes] { *out = engine->AllGather(data, bytes, sizes.get()); },
        [out, sizes](Napi::Env env) { return GatheredArrays(env, *out, *sizes); });
  }

  /** barrier(async: boolean) */
  Napi::Value Barrier(const Napi::CallbackInfo& info) {
    auto job = NewJob("barrier");
    std::shared_ptr<Engine> engine = engine_;
    job->work = [engine] { engine->Barrier(); };
    return Run(info, std::move(job), BoolArg(info, 0));
  }

  Napi::Value SetTimeout(const Napi::CallbackInfo& info) {
    engine_->SetTimeout(static_cast<int64_t>(info[0].ToNumber().DoubleValue()));
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    queue_->Close();
    return info.Env().Undefined();
  }

  std::shared_ptr<Engine> engine_;
  std::unique_ptr<JobQueue> queue_;
};

}  // namespace fermm
