// N-API face of the Gloo engine: a GlooEngine class whose methods queue collectives on the
// engine's JobQueue (sync: the JS thread waits; async: a promise). index.js wraps it.
#include <napi.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "common/args.h"
#include "common/job_queue.h"
#include "gloo/gloo_engine.h"

namespace fermm {
namespace {

bool GlooTimeoutMessage(const std::string& message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("timed out") != std::string::npos || lower.find("timeout") != std::string::npos;
}

std::string StringField(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

class GlooBinding : public Napi::ObjectWrap<GlooBinding> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "GlooEngine",
                       {
                           InstanceMethod("connect", &GlooBinding::Connect),
                           InstanceMethod("allReduce", &GlooBinding::AllReduce),
                           InstanceMethod("broadcast", &GlooBinding::Broadcast),
                           InstanceMethod("allGather", &GlooBinding::AllGather),
                           InstanceMethod("barrier", &GlooBinding::Barrier),
                           InstanceMethod("setTimeout", &GlooBinding::SetTimeout),
                           InstanceMethod("close", &GlooBinding::Close),
                       });
  }

  /** new GlooEngine({ rank, size, storeKind, host, port, path, listenAddress, timeoutMs }) */
  explicit GlooBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GlooBinding>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "GlooEngine: options object expected");
    Napi::Object o = info[0].As<Napi::Object>();
    GlooOptions opts;
    opts.rank = o.Get("rank").ToNumber().Int32Value();
    opts.size = o.Get("size").ToNumber().Int32Value();
    opts.storeKind = StringField(o, "storeKind");
    opts.host = StringField(o, "host");
    opts.port = o.Get("port").IsNumber() ? o.Get("port").ToNumber().Int32Value() : 0;
    opts.path = StringField(o, "path");
    opts.listenAddress = StringField(o, "listenAddress");
    if (o.Get("timeoutMs").IsNumber()) opts.timeoutMs = o.Get("timeoutMs").ToNumber().Int64Value();
    engine_ = std::make_shared<GlooEngine>(opts);
    std::shared_ptr<GlooEngine> engine = engine_;
    queue_ = std::make_unique<JobQueue>(env, "gloo", GlooTimeoutMessage, [engine] { engine->Shutdown(); });
  }

 private:
  std::unique_ptr<Job> NewJob(const char* op) {
    auto job = std::make_unique<Job>();
    job->op = op;
    return job;
  }

  Napi::Value Run(const Napi::CallbackInfo& info, std::unique_ptr<Job> job, bool async) {
    if (async) {
      job->keep.push_back(Napi::Persistent(Value()));  // the engine outlives its pending calls
      return queue_->RunAsync(info.Env(), std::move(job));
    }
    return queue_->RunSync(info.Env(), std::move(job));
  }

  /** connect(): Promise<string> — the address this rank's pairs listen on. */
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    auto job = NewJob("init");
    std::shared_ptr<GlooEngine> engine = engine_;
    job->work = [engine] { engine->Connect(); };
    job->result = [engine](Napi::Env env) -> Napi::Value { return Napi::String::New(env, engine->listenAddress()); };
    return Run(info, std::move(job), true);
  }

  /** allReduce(buf: Float32Array, mean: boolean, async: boolean) */
  Napi::Value AllReduce(const Napi::CallbackInfo& info) {
    Napi::Float32Array buf = Float32Arg(info, 0, "allReduce");
    bool mean = BoolArg(info, 1), async = BoolArg(info, 2);
    auto job = NewJob("allReduce");
    float* data = static_cast<float*>(DataOf(buf));
    size_t count = buf.ElementLength();
    std::shared_ptr<GlooEngine> engine = engine_;
    job->work = [engine, data, count, mean] { engine->AllReduce(data, count, mean); };
    if (async) job->keep.push_back(Napi::Persistent(buf.As<Napi::Object>()));
    return Run(info, std::move(job), async);
  }

  /** broadcast(buf: TypedArray, root: number, async: boolean) */
  Napi::Value Broadcast(const Napi::CallbackInfo& info) {
    Napi::TypedArray buf = TypedArrayArg(info, 0, "broadcast");
    int root = IntArg(info, 1, "broadcast", "root");
    bool async = BoolArg(info, 2);
    auto job = NewJob("broadcast");
    void* data = DataOf(buf);
    size_t bytes = buf.ByteLength();
    std::shared_ptr<GlooEngine> engine = engine_;
    job->work = [engine, data, bytes, root] { engine->Broadcast(data, bytes, root); };
    if (async) job->keep.push_back(Napi::Persistent(buf.As<Napi::Object>()));
    return Run(info, std::move(job), async);
  }

  /** allGather(buf: Uint8Array, async: boolean): Uint8Array[] */
  Napi::Value AllGather(const Napi::CallbackInfo& info) {
    Napi::TypedArray buf = TypedArrayArg(info, 0, "allGather");
    bool async = BoolArg(info, 1);
    auto job = NewJob("allGather");
    const uint8_t* data = static_cast<const uint8_t*>(DataOf(buf));
    size_t bytes = buf.ByteLength();
    auto out = std::make_shared<std::vector<uint8_t>>();
    auto sizes = std::make_shared<std::vector<size_t>>();
    std::shared_ptr<GlooEngine> engine = engine_;
    job->work = [engine, data, bytes, out, sizes] { *out = engine->AllGather(data, bytes, sizes.get()); };
    job->result = [out, sizes](Napi::Env env) { return GatheredArrays(env, *out, *sizes); };
    if (async) job->keep.push_back(Napi::Persistent(buf.As<Napi::Object>()));
    return Run(info, std::move(job), async);
  }

  /** barrier(async: boolean) */
  Napi::Value Barrier(const Napi::CallbackInfo& info) {
    auto job = NewJob("barrier");
    std::shared_ptr<GlooEngine> engine = engine_;
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

  std::shared_ptr<GlooEngine> engine_;
  std::unique_ptr<JobQueue> queue_;
};

}  // namespace
}  // namespace fermm

static Napi::Object InitGloo(Napi::Env env, Napi::Object exports) {
  exports.Set("GlooEngine", fermm::GlooBinding::Define(env));
  exports.Set("version", Napi::String::New(env, fermm::GlooEngine::Version()));
  exports.Set("transports", Napi::String::New(env, "tcp"));
  return exports;
}

NODE_API_MODULE(fermm_gloo, InitGloo)
