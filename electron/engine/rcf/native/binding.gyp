{
  "targets": [
    {
      "target_name": "rcf_kernel",
      "sources": ["rcf_kernel.c", "rcf_core.c", "rcf_avx2.c", "rcf_avx512.c"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2", "-O0"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11"],
        "GCC_OPTIMIZATION_LEVEL": "3"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2 }
      }
    }
  ]
}
