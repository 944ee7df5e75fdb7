// The MPI addon: exports MpiEngine (common/engine_binding.h) and the library version.
#include <napi.h>

#include <memory>
#include <string>

#include "common/engine_binding.h"
#include "mpi/mpi_engine.h"

namespace fermm {
namespace {

/** MpiEngine as EngineBinding expects it. */
struct MpiAdapter : MpiEngine {
  static constexpr const char* kName = "mpi";
  using MpiEngine::MpiEngine;

  /** { timeoutMs, progress: 'test' | 'wait' | 'blocking' } */
  static std::shared_ptr<MpiAdapter> Create(Napi::Object o) {
    int64_t timeoutMs = o.Get("timeoutMs").IsNumber() ? o.Get("timeoutMs").ToNumber().Int64Value() : 1800000;
    Napi::Value value = o.Get("progress");
    std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : "test";
    Progress progress = name == "wait" ? Progress::kWait : name == "blocking" ? Progress::kBlocking : Progress::kTest;
    return std::make_shared<MpiAdapter>(timeoutMs, progress);
  }

  /** Deadlines are this addon's own (DeadlineError); MPI's error codes are never timeouts. */
  static bool IsTimeout(const std::string&) { return false; }

  void Connect() { Init(); }

  /** { rank, size, version, transport } from the initialized communicator. */
  Napi::Value Connected(Napi::Env env) const {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rank", rank());
    o.Set("size", size());
    o.Set("version", version());
    o.Set("transport", "mpi (" + threadLevel() + ")");
    return o;
  }
};

}  // namespace
}  // namespace fermm

static Napi::Object InitMpi(Napi::Env env, Napi::Object exports) {
  exports.Set("MpiEngine", fermm::EngineBinding<fermm::MpiAdapter>::Define(env, "MpiEngine"));
  exports.Set("version", Napi::String::New(env, fermm::MpiEngine::LibraryVersion()));
  return exports;
}

NODE_API_MODULE(fermm_mpi, InitMpi)
