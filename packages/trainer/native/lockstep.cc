// Runs training steps split across cores: one ONNX Runtime session per slice of the network, each on its
// own thread, all in lockstep (a barrier after every step), with every input and output bound once per
// block to memory the JavaScript side owns (IoBinding), so no step copies a tensor or enters JavaScript.
// onnxruntime-node's JavaScript API cannot do this: it copies every output into a new buffer and has no
// way to run two sessions on two threads against shared memory.
#define ORT_API_MANUAL_INIT
#include <onnxruntime_cxx_api.h>
#undef ORT_API_MANUAL_INIT

#include <dlfcn.h>
#include <node_api.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

#define NAPI_OK(call)                                     \
  do {                                                    \
    if ((call) != napi_ok) return ThrowLastError(env);    \
  } while (0)

napi_value ThrowLastError(napi_env env) {
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, info && info->error_message ? info->error_message : "N-API call failed");
  return nullptr;
}

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

// One session per slice for the step graph and one for the prologue, single-threaded: the slices are the
// parallelism, and an intra-op pool would only spin against them.
struct Slice {
  Ort::Session step{nullptr};
  Ort::Session prologue{nullptr};
};

// A tensor of the job: memory owned by a JavaScript typed array, bound as an input or an output.
struct Binding {
  std::string name;
  void* data = nullptr;
  size_t bytes = 0;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::vector<int64_t> shape;
  bool output = false;
};

struct SliceJob {
  std::vector<Binding> prologue;
  std::vector<Binding> step[2];  // by step parity
  int64_t stepIndex = 0;
  int64_t nextIndex = 0;
  float loss = 0;
};

// A hint to the core that this thread is spinning (x86's pause); elsewhere, nothing.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins (the other slices finish within microseconds of each other), then yields if a slice was descheduled.
class Barrier {
 public:
  explicit Barrier(int parties) : parties_(parties) {}
  // False when a party aborted: the caller stops.
  bool Wait() {
    const int generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == parties_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return !aborted_.load(std::memory_order_acquire);
    }
    for (int spins = 0; generation_.load(std::memory_order_acquire) == generation; spins++) {
      if (aborted_.load(std::memory_order_acquire)) return false;
      if (spins < 20000) CpuRelax(); else sched_yield();
    }
    return !aborted_.load(std::memory_order_acquire);
  }
  void Abort() { aborted_.store(true, std::memory_order_release); }

 private:
  const int parties_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
  std::atomic<bool> aborted_{false};
};

struct Runner;
struct Handle;

struct Job {
  Runner* runner = nullptr;
  Handle* handle = nullptr;
  std::vector<SliceJob> slices;
  std::string stepInput, nextInput, lossOutput;
  int64_t steps = 0;
  float* losses = nullptr;
  napi_ref keep = nullptr;  // the job object, so its typed arrays outlive the work
  napi_ref keepRunner = nullptr;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  std::string error;
  // Steps every slice completed: the block's length, or on a failure the failed step's index. The
  // copy of the weights that step read is whole in every slice; the copy it wrote may be torn.
  int64_t completed = 0;
};

void RunSlice(Job& job, size_t k, Barrier& barrier, std::string& error, int64_t& failedStep);

// The sessions, and one thread per slice that lives as long as the runner: a new thread per block would
// pay ONNX Runtime's and MLAS's per-thread set-up (about 6 ms a block, measured) every time.
struct Runner {
  std::unique_ptr<Ort::Env> env;
  std::vector<Slice> slices;
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, finished;
  Job* job = nullptr;
  std::unique_ptr<Barrier> barrier;
  std::vector<std::string> errors;
  std::vector<int64_t> failedSteps;
  uint64_t generation = 0;
  size_t running = 0;
  bool stopping = false;

  void Start() {
    errors.resize(slices.size());
    failedSteps.resize(slices.size());
    for (size_t k = 0; k < slices.size(); k++) workers.emplace_back([this, k] { Work(k); });
  }

  // Runs `job` on every slice's thread and returns when all have finished.
  void RunJob(Job& next) {
    std::unique_lock<std::mutex> lock(mutex);
    job = &next;
    barrier = std::make_unique<Barrier>(static_cast<int>(slices.size()));
    for (std::string& e : errors) e.clear();
    running = slices.size();
    generation++;
    wake.notify_all();
    finished.wait(lock, [this] { return running == 0; });
    job = nullptr;
  }

  ~Runner() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (std::thread& t : workers) t.join();
  }

 private:
  void Work(size_t k) {
    uint64_t seen = 0;
    for (;;) {
      Job* current;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
        current = job;
      }
      RunSlice(*current, k, *barrier, errors[k], failedSteps[k]);
      std::lock_guard<std::mutex> lock(mutex);
      if (--running == 0) finished.notify_all();
    }
  }
};

// What JavaScript holds: the runner until close() (or garbage collection) frees it. Both run on the main
// thread; a close() while a block trains is carried out when the block completes.
struct Handle {
  Runner* runner = nullptr;
  bool busy = false;
  bool closing = false;
  void Free() {
    delete runner;
    runner = nullptr;
  }
};

// Marks the externals open() returns, so that run() and close() refuse any other.
const napi_type_tag kHandleTag = {0x6d6e6973746c6f63ULL, 0x6b73746570727572ULL};

// The Handle behind `value`, or nullptr when it is not one of open()'s.
Handle* HandleOf(napi_env env, napi_value value) {
  bool tagged = false;
  void* data = nullptr;
  if (napi_check_object_type_tag(env, value, &kHandleTag, &tagged) != napi_ok || !tagged) return nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok) return nullptr;
  return static_cast<Handle*>(data);
}

Ort::Value TensorOver(const Ort::MemoryInfo& memory, const Binding& b) {
  return Ort::Value::CreateTensor(memory, b.data, b.bytes, b.shape.data(), b.shape.size(), b.type);
}

Ort::IoBinding Bind(Ort::Session& session, const std::vector<Binding>& bindings, SliceJob& slice, const Job& job, bool withStep) {
  const Ort::MemoryInfo memory = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeDefault);
  const std::vector<int64_t> scalar;
  Ort::IoBinding binding(session);
  for (const Binding& b : bindings) {
    if (b.output) binding.BindOutput(b.name.c_str(), TensorOver(memory, b));
    else binding.BindInput(b.name.c_str(), TensorOver(memory, b));
  }
  binding.BindInput(job.nextInput.c_str(), Ort::Value::CreateTensor<int64_t>(memory, &slice.nextIndex, 1, scalar.data(), 0));
  if (withStep) {
    binding.BindInput(job.stepInput.c_str(), Ort::Value::CreateTensor<int64_t>(memory, &slice.stepIndex, 1, scalar.data(), 0));
    binding.BindOutput(job.lossOutput.c_str(), Ort::Value::CreateTensor<float>(memory, &slice.loss, 1, scalar.data(), 0));
  }
  return binding;
}

void RunSlice(Job& job, size_t k, Barrier& barrier, std::string& error, int64_t& failedStep) {
  int64_t t = 0;
  try {
    Slice& slice = job.runner->slices[k];
    SliceJob& s = job.slices[k];
    Ort::IoBinding prologue = Bind(slice.prologue, s.prologue, s, job, false);
    Ort::IoBinding steps[2] = {Bind(slice.step, s.step[0], s, job, true), Bind(slice.step, s.step[1], s, job, true)};
    const Ort::RunOptions options;
    s.nextIndex = 0;
    slice.prologue.Run(options, prologue);
    if (!barrier.Wait()) return;
    for (; t < job.steps; t++) {
      s.stepIndex = t;
      // The last step's look-ahead recomputes its own batch; its results are not read.
      s.nextIndex = t + 1 < job.steps ? t + 1 : t;
      slice.step.Run(options, steps[t & 1]);
      if (k == 0) job.losses[t] = s.loss;
      if (!barrier.Wait()) return;
    }
    return;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  failedStep = t;
  barrier.Abort();
  barrier.Wait();
}

void Execute(napi_env, void* data) {
  Job& job = *static_cast<Job*>(data);
  Runner& runner = *job.runner;
  try {
    runner.RunJob(job);
  } catch (const std::exception& e) {
    job.error = std::string("cannot start the block: ") + e.what();
    return;
  }
  job.completed = job.steps;
  for (size_t k = 0; k < runner.errors.size(); k++) {
    if (runner.errors[k].empty()) continue;
    if (job.error.empty()) job.error = "slice " + std::to_string(k) + ": " + runner.errors[k];
    job.completed = std::min(job.completed, runner.failedSteps[k]);
  }
}

void Complete(napi_env env, napi_status, void* data) {
  std::unique_ptr<Job> job(static_cast<Job*>(data));
  napi_value result;
  if (job->error.empty()) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    napi_value message;
    napi_create_string_utf8(env, job->error.c_str(), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, nullptr, message, &result);
    napi_value completed;
    napi_create_int64(env, job->completed, &completed);
    napi_set_named_property(env, result, "completedSteps", completed);
    napi_reject_deferred(env, job->deferred, result);
  }
  job->handle->busy = false;
  if (job->handle->closing) job->handle->Free();
  napi_delete_reference(env, job->keep);
  napi_delete_reference(env, job->keepRunner);
  napi_delete_async_work(env, job->work);
}

bool GetNamed(napi_env env, napi_value object, const char* key, napi_value* out) {
  return napi_get_named_property(env, object, key, out) == napi_ok;
}

bool GetString(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length);
  return napi_get_value_string_utf8(env, value, out->data(), length + 1, &length) == napi_ok;
}

bool GetBytes(napi_env env, napi_value value, void** data, size_t* bytes, napi_typedarray_type* type) {
  size_t length = 0;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, type, &length, data, &buffer, &offset) != napi_ok) return false;
  size_t width = 1;
  switch (*type) {
    case napi_int16_array:
    case napi_uint16_array:
      width = 2;
      break;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      width = 4;
      break;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      width = 8;
      break;
    default:
      break;
  }
  *bytes = length * width;
  return true;
}

// [{ name, data: Float32Array | Int32Array | Uint8Array, shape: number[], output?: boolean }]
bool ReadBindings(napi_env env, napi_value array, std::vector<Binding>* out, std::string* error) {
  uint32_t count = 0;
  if (napi_get_array_length(env, array, &count) != napi_ok) return *error = "bindings must be an array", false;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item, name, data, shape, output;
    Binding b;
    if (napi_get_element(env, array, i, &item) != napi_ok || !GetNamed(env, item, "name", &name) || !GetString(env, name, &b.name)) {
      return *error = "a binding has no name", false;
    }
    napi_typedarray_type type;
    if (!GetNamed(env, item, "data", &data) || !GetBytes(env, data, &b.data, &b.bytes, &type)) return *error = b.name + ": data must be a typed array", false;
    if (type == napi_float32_array) b.type = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    else if (type == napi_int32_array) b.type = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    else if (type == napi_uint8_array) b.type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    else return *error = b.name + ": data must be a Float32Array, an Int32Array or a Uint8Array", false;
    uint32_t rank = 0;
    if (!GetNamed(env, item, "shape", &shape) || napi_get_array_length(env, shape, &rank) != napi_ok) return *error = b.name + ": shape must be an array", false;
    size_t elements = 1;
    for (uint32_t d = 0; d < rank; d++) {
      napi_value dim;
      int64_t size = 0;
      if (napi_get_element(env, shape, d, &dim) != napi_ok || napi_get_value_int64(env, dim, &size) != napi_ok || size < 0) {
        return *error = b.name + ": shape must hold non-negative integers", false;
      }
      b.shape.push_back(size);
      elements *= static_cast<size_t>(size);
    }
    const size_t width = b.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 ? 1 : 4;
    if (elements * width != b.bytes) {
      return *error = b.name + ": data holds " + std::to_string(b.bytes / width) + " values, its shape needs " + std::to_string(elements), false;
    }
    bool isOutput = false;
    if (GetNamed(env, item, "output", &output)) napi_get_value_bool(env, output, &isOutput);
    b.output = isOutput;
    out->push_back(std::move(b));
  }
  return true;
}

// open(library: string, slices: [{ step: Uint8Array, prologue: Uint8Array }]) -> runner
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string library;
  if (argc < 2 || !GetString(env, argv[0], &library)) return Throw(env, "open(library, slices): library must be a path");
  // onnxruntime-node has loaded this library already; this finds it, or loads the same file.
  void* ortLibrary = dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!ortLibrary) return Throw(env, std::string("cannot load ONNX Runtime: ") + dlerror());
  using GetApiBase = const OrtApiBase* (*)();
  auto getApiBase = reinterpret_cast<GetApiBase>(dlsym(ortLibrary, "OrtGetApiBase"));
  const OrtApi* api = getApiBase ? getApiBase()->GetApi(ORT_API_VERSION) : nullptr;
  if (!api) return Throw(env, library + " has no ONNX Runtime C API of version " + std::to_string(ORT_API_VERSION) + " or later");
  // Once per process: workers of open runners read the global this sets.
  static std::once_flag initialized;
  std::call_once(initialized, [api] { Ort::InitApi(api); });
  auto runner = std::make_unique<Runner>();
  try {
    runner->env = std::make_unique<Ort::Env>(ORT_LOGGING_LEVEL_WARNING, "lockstep");
    Ort::SessionOptions options;
    options.SetIntraOpNumThreads(1);
    options.SetInterOpNumThreads(1);
    options.SetExecutionMode(ORT_SEQUENTIAL);
    options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    uint32_t count = 0;
    NAPI_OK(napi_get_array_length(env, argv[1], &count));
    for (uint32_t k = 0; k < count; k++) {
      napi_value item, step, prologue;
      void *stepData, *prologueData;
      size_t stepBytes, prologueBytes;
      napi_typedarray_type type;
      NAPI_OK(napi_get_element(env, argv[1], k, &item));
      napi_typedarray_type prologueType;
      if (!GetNamed(env, item, "step", &step) || !GetBytes(env, step, &stepData, &stepBytes, &type) || !GetNamed(env, item, "prologue", &prologue) ||
          !GetBytes(env, prologue, &prologueData, &prologueBytes, &prologueType) || type != napi_uint8_array || prologueType != napi_uint8_array) {
        return Throw(env, "open: slice " + std::to_string(k) + " needs step and prologue model bytes (Uint8Array)");
      }
      Slice slice;
      slice.step = Ort::Session(*runner->env, stepData, stepBytes, options);
      slice.prologue = Ort::Session(*runner->env, prologueData, prologueBytes, options);
      runner->slices.push_back(std::move(slice));
    }
  } catch (const std::exception& e) {
    return Throw(env, std::string("cannot create the sessions: ") + e.what());
  }
  try {
    runner->Start();
  } catch (const std::exception& e) {
    return Throw(env, std::string("cannot start the slice threads: ") + e.what());
  }
  napi_value external;
  auto handle = std::make_unique<Handle>();
  handle->runner = runner.release();
  NAPI_OK(napi_create_external(
      env, handle.get(),
      [](napi_env, void* data, void*) {
        std::unique_ptr<Handle> h(static_cast<Handle*>(data));
        h->Free();
      },
      nullptr, &external));
  handle.release();
  NAPI_OK(napi_type_tag_object(env, external, &kHandleTag));
  return external;
}

// run(runner, { steps, stepInput, nextInput, lossOutput, losses: Float32Array, slices: [{ prologue, step: [even, odd] }] }) -> Promise<void>
napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  auto job = std::make_unique<Job>();
  job->handle = argc < 2 ? nullptr : HandleOf(env, argv[0]);
  if (!job->handle) return Throw(env, "run(runner, job): runner must come from open()");
  if (!job->handle->runner || job->handle->closing) return Throw(env, "run: the runner is closed");
  if (job->handle->busy) return Throw(env, "run: the runner is still training a block");
  job->runner = job->handle->runner;
  napi_value value;
  std::string error;
  if (!GetNamed(env, argv[1], "steps", &value) || napi_get_value_int64(env, value, &job->steps) != napi_ok || job->steps < 1) return Throw(env, "run: job.steps must be a positive integer");
  if (!GetNamed(env, argv[1], "stepInput", &value) || !GetString(env, value, &job->stepInput) || !GetNamed(env, argv[1], "nextInput", &value) ||
      !GetString(env, value, &job->nextInput) || !GetNamed(env, argv[1], "lossOutput", &value) || !GetString(env, value, &job->lossOutput)) {
    return Throw(env, "run: job.stepInput, job.nextInput and job.lossOutput must be names");
  }
  void* losses;
  size_t lossBytes;
  napi_typedarray_type type;
  if (!GetNamed(env, argv[1], "losses", &value) || !GetBytes(env, value, &losses, &lossBytes, &type) || type != napi_float32_array ||
      lossBytes < static_cast<size_t>(job->steps) * 4) {
    return Throw(env, "run: job.losses must be a Float32Array of job.steps values");
  }
  job->losses = static_cast<float*>(losses);
  napi_value slices;
  uint32_t count = 0;
  if (!GetNamed(env, argv[1], "slices", &slices) || napi_get_array_length(env, slices, &count) != napi_ok || count != job->runner->slices.size()) {
    return Throw(env, "run: job.slices must hold one entry per slice of the runner (" + std::to_string(job->runner->slices.size()) + ")");
  }
  job->slices.resize(count);
  for (uint32_t k = 0; k < count; k++) {
    napi_value item, prologue, step, parity;
    NAPI_OK(napi_get_element(env, slices, k, &item));
    if (!GetNamed(env, item, "prologue", &prologue) || !ReadBindings(env, prologue, &job->slices[k].prologue, &error)) return Throw(env, "run: slice " + std::to_string(k) + " prologue: " + error);
    if (!GetNamed(env, item, "step", &step)) return Throw(env, "run: slice " + std::to_string(k) + " has no step bindings");
    for (uint32_t p = 0; p < 2; p++) {
      NAPI_OK(napi_get_element(env, step, p, &parity));
      if (!ReadBindings(env, parity, &job->slices[k].step[p], &error)) return Throw(env, "run: slice " + std::to_string(k) + " step: " + error);
    }
  }
  NAPI_OK(napi_create_reference(env, argv[1], 1, &job->keep));
  NAPI_OK(napi_create_reference(env, argv[0], 1, &job->keepRunner));
  napi_value promise, name;
  NAPI_OK(napi_create_promise(env, &job->deferred, &promise));
  NAPI_OK(napi_create_string_utf8(env, "mnist.lockstep", NAPI_AUTO_LENGTH, &name));
  NAPI_OK(napi_create_async_work(env, nullptr, name, Execute, Complete, job.get(), &job->work));
  NAPI_OK(napi_queue_async_work(env, job->work));
  job->handle->busy = true;
  job.release();
  return promise;
}

// close(runner): stops its threads and frees its sessions, now or when the block in training completes.
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Handle* handle = argc < 1 ? nullptr : HandleOf(env, argv[0]);
  if (!handle) return Throw(env, "close(runner): runner must come from open()");
  if (handle->busy) handle->closing = true;
  else handle->Free();
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
