// Argument checks shared by the engine bindings; each failure is a TypeError naming the op.
#pragma once

#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

namespace fermm {

inline Napi::TypedArray TypedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  if (info.Length() <= i || !info[i].IsTypedArray())
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i + 1) + " must be a typed array");
  return info[i].As<Napi::TypedArray>();
}

inline Napi::Float32Array Float32Arg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::TypedArray a = TypedArrayArg(info, i, op);
  if (a.TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i + 1) + " must be a Float32Array");
  return a.As<Napi::Float32Array>();
}

inline void* DataOf(Napi::TypedArray a) {
  return static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].ToBoolean().Value();
}

inline int IntArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": " + name + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

/** Rank-ordered byte buffers, copied into one ArrayBuffer the views share. */
inline Napi::Value GatheredArrays(Napi::Env env, const std::vector<uint8_t>& data, const std::vector<size_t>& sizes) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, data.size());
  if (!data.empty()) std::memcpy(ab.Data(), data.data(), data.size());
  Napi::Array out = Napi::Array::New(env, sizes.size());
  size_t offset = 0;
  for (size_t r = 0; r < sizes.size(); r++) {
    out.Set(static_cast<uint32_t>(r), Napi::Uint8Array::New(env, sizes[r], ab, offset));
    offset += sizes[r];
  }
  return out;
}

}  // namespace fermm
