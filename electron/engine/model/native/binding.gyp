{
  "targets": [
    {
      "target_name": "rcf_linalg",
      "sources": ["linalg.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O2", "-std=gnu11"]
      }
    }
  ]
}
