// The Gloo addon: exports GlooEngine (common/engine_binding.h) and the library version.
#include <napi.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "common/engine_binding.h"
#include "gloo/gloo_engine.h"

namespace fermm {
namespace {

std::string StringField(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

/** GlooEngine as EngineBinding expects it. */
struct GlooAdapter : GlooEngine {
  static constexpr const char* kName = "gloo";
  using GlooEngine::GlooEngine;

  /** { rank, size, storeKind, host, port, path, listenAddress, timeoutMs, transport, ibvDevice, ibvPort, ibvIndex } */
  static std::shared_ptr<GlooAdapter> Create(Napi::Object o) {
    GlooOptions opts;
    opts.rank = o.Get("rank").ToNumber().Int32Value();
    opts.size = o.Get("size").ToNumber().Int32Value();
    opts.storeKind = StringField(o, "storeKind");
    opts.host = StringField(o, "host");
    opts.port = o.Get("port").IsNumber() ? o.Get("port").ToNumber().Int32Value() : 0;
    opts.path = StringField(o, "path");
    opts.listenAddress = StringField(o, "listenAddress");
    if (o.Get("timeoutMs").IsNumber()) opts.timeoutMs = o.Get("timeoutMs").ToNumber().Int64Value();
    if (!StringField(o, "transport").empty()) opts.transport = StringField(o, "transport");
    opts.ibvDevice = StringField(o, "ibvDevice");
    if (o.Get("ibvPort").IsNumber()) opts.ibvPort = o.Get("ibvPort").ToNumber().Int32Value();
    if (o.Get("ibvIndex").IsNumber()) opts.ibvIndex = o.Get("ibvIndex").ToNumber().Int32Value();
    return std::make_shared<GlooAdapter>(opts);
  }

  /** Gloo reports deadlines in its exception text ("Timed out waiting ..."). */
  static bool IsTimeout(const std::string& message) {
    std::string lower(message);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find("timed out") != std::string::npos || lower.find("timeout") != std::string::npos;
  }

  /** The address this rank's pairs listen on. */
  Napi::Value Connected(Napi::Env env) const { return Napi::String::New(env, listenAddress()); }
};

}  // namespace
}  // namespace fermm

static Napi::Object InitGloo(Napi::Env env, Napi::Object exports) {
  exports.Set("GlooEngine", fermm::EngineBinding<fermm::GlooAdapter>::Define(env, "GlooEngine"));
  exports.Set("version", Napi::String::New(env, fermm::GlooEngine::Version()));
  exports.Set("transports", Napi::String::New(env, fermm::GlooEngine::Transports()));
  return exports;
}

NODE_API_MODULE(fermm_gloo, InitGloo)
