{
  "targets": [
    {
      "target_name": "lockstep",
      "sources": ["lockstep.cc"],
      "include_dirs": ["<(ort_include)"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
