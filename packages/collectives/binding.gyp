# Two independent addons: each is built only where its library is present (scripts/probe.js),
# and scripts/build.js compiles them one at a time so one failure leaves the other.
{
  "variables": {
    "with_gloo%": "<!(node scripts/probe.js gloo)",
    "with_mpi%": "<!(node scripts/probe.js mpi)",
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-Wno-unused-parameter"],
    "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES", "GCC_ENABLE_CPP_RTTI": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17"},
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
    # Gloo (and MPI) throw: node-addon-api must turn C++ exceptions into JS ones, not abort
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
  },
  "targets": [
    {
      "target_name": "fermm_gloo",
      "conditions": [
        ["with_gloo==1", {
          "sources": ["src/gloo/binding.cc", "src/gloo/gloo_engine.cc", "src/gloo/tcp_store.cc", "src/common/job_queue.cc"],
          "include_dirs": ["<!@(node scripts/probe.js gloo-include)"],
          "libraries": ["<!@(node scripts/probe.js gloo-link)"],
        }, {"type": "none"}],
      ],
    },
    {
      "target_name": "fermm_mpi",
      "conditions": [
        ["with_mpi==1", {
          "sources": ["src/mpi/binding.cc", "src/mpi/mpi_engine.cc", "src/common/job_queue.cc"],
          "cflags_cc": ["<!@(node scripts/probe.js mpi-compile)"],
          # the C API only: mpi.h would otherwise pull in the deprecated C++ bindings (libmpi_cxx)
          "defines": ["OMPI_SKIP_MPICXX", "MPICH_SKIP_MPICXX"],
          "libraries": ["<!@(node scripts/probe.js mpi-link)"],
        }, {"type": "none"}],
      ],
    },
  ],
}
