/*
 * N-API glue (plain C, node_api.h only) for the fused RCF kernel.
 *
 * JS surface (wrapped by ../native-kernel.ts):
 *   isa(): string
 *   prepare(weights, filters, channels, kernel, biasPos, biasNeg, isa?): External
 *   accumulate(bank, image, height, width, mask|null, row0, row1, outPos, outNeg): Promise<void>
 *   accumulateSync(same arguments): undefined
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcf_core.h"

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      throw_pending_or(env, "rcf_kernel: N-API call failed: " #call);      \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static void throw_pending_or(napi_env env, const char *msg) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, msg);
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_RCF_KERNEL_ARGS", msg);
  return NULL;
}

/* Typed array of a given type; returns 0 and sets data and len on success. */
static int get_typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return -1;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) != napi_ok) return -1;
  if (type != want) return -1;
  if (*len == 0) *data = NULL; /* may be NULL for an empty buffer anyway */
  return 0;
}

static int get_int(napi_env env, napi_value v, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return -1;
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d == (double)(int64_t)d) || d < -2147483648.0 || d > 2147483647.0) return -1;
  *out = (int64_t)d;
  return 0;
}

static rcf_isa g_best_isa;

/* ---- isa() ---- */
static napi_value js_isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  CHECK(env, napi_create_string_utf8(env, rcf_isa_name(g_best_isa), NAPI_AUTO_LENGTH, &s));
  return s;
}

/* ---- prepare() ---- */
static void bank_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  rcf_bank_free((rcf_bank *)data);
}

static napi_value js_prepare(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return throw_error(env, "prepare: expected (weights, filters, channels, kernel, biasPos, biasNeg[, isa])");
  int64_t filters, channels, kernel;
  if (get_int(env, argv[1], &filters) || filters < 1) return throw_error(env, "prepare: filters must be an integer >= 1");
  if (get_int(env, argv[2], &channels) || channels < 1) return throw_error(env, "prepare: channels must be an integer >= 1");
  if (get_int(env, argv[3], &kernel) || kernel < 1) return throw_error(env, "prepare: kernel must be an integer >= 1");
  if ((double)filters * (double)channels * (double)kernel * (double)kernel > 1e9)
    return throw_error(env, "prepare: filter bank too large");
  float *w, *bp, *bn;
  size_t nw, nbp, nbn;
  if (get_typed(env, argv[0], napi_float32_array, (void **)&w, &nw))
    return throw_error(env, "prepare: weights must be a Float32Array");
  if (get_typed(env, argv[4], napi_float32_array, (void **)&bp, &nbp))
    return throw_error(env, "prepare: biasPos must be a Float32Array");
  if (get_typed(env, argv[5], napi_float32_array, (void **)&bn, &nbn))
    return throw_error(env, "prepare: biasNeg must be a Float32Array");
  char msg[200];
  size_t want = (size_t)(filters * channels * kernel * kernel);
  if (nw != want) {
    snprintf(msg, sizeof msg, "prepare: weights has %zu values, expected filters*channels*kernel*kernel = %zu", nw, want);
    return throw_error(env, msg);
  }
  if (nbp != (size_t)filters || nbn != (size_t)filters) {
    snprintf(msg, sizeof msg, "prepare: biasPos/biasNeg have %zu/%zu values, expected filters = %lld", nbp, nbn,
             (long long)filters);
    return throw_error(env, msg);
  }

  /* Optional ISA override (tests, benchmarks): may only lower the ISA. */
  rcf_isa isa = g_best_isa;
  napi_valuetype t = napi_undefined;
  if (argc >= 7) napi_typeof(env, argv[6], &t);
  if (t == napi_string) {
    char name[16] = { 0 };
    size_t n;
    CHECK(env, napi_get_value_string_utf8(env, argv[6], name, sizeof name, &n));
    if (!strcmp(name, "generic")) isa = RCF_ISA_GENERIC;
    else if (!strcmp(name, "avx2")) isa = RCF_ISA_AVX2;
    else if (!strcmp(name, "avx512")) isa = RCF_ISA_AVX512;
    else return throw_error(env, "prepare: isa must be 'avx512', 'avx2' or 'generic'");
    if (isa > g_best_isa) {
      snprintf(msg, sizeof msg, "prepare: isa '%s' is not supported by this CPU (best: '%s')", name,
               rcf_isa_name(g_best_isa));
      return throw_error(env, msg);
    }
  } else if (t != napi_undefined && t != napi_null) {
    return throw_error(env, "prepare: isa must be a string");
  }

  rcf_bank *bank = rcf_bank_create(isa, w, (int)filters, (int)channels, (int)kernel, bp, bn);
  if (!bank) return throw_error(env, "prepare: out of memory");
  napi_value ext;
  if (napi_create_external(env, bank, bank_finalize, NULL, &ext) != napi_ok) {
    rcf_bank_free(bank);
    throw_pending_or(env, "prepare: napi_create_external failed");
    return NULL;
  }
  return ext;
}

/* ---- accumulate() / accumulateSync() ---- */
typedef struct {
  rcf_bank *bank;
  const float *image;
  const uint8_t *mask;
  double *out_pos, *out_neg;
  int height, width, row0, row1;
  int status;
  /* Keeps the bank and the typed arrays alive while the work runs. */
  napi_ref refs[5];
  int nrefs;
  napi_async_work work;
  napi_deferred deferred;
} job_t;

/* Parses and validates the 9 arguments into *job. Returns 0 or throws. */
static int parse_job(napi_env env, napi_callback_info info, job_t *job, napi_value argv[9]) {
  size_t argc = 9;
  char msg[240];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  if (argc < 9) {
    throw_error(env, "accumulateRows: expected (bank, image, height, width, mask, row0, row1, outPos, outNeg)");
    return -1;
  }
  napi_valuetype t;
  void *ptr = NULL;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, argv[0], &ptr) != napi_ok || !ptr) {
    throw_error(env, "accumulateRows: bank must come from prepareBank()");
    return -1;
  }
  rcf_bank *b = ptr;
  int64_t h, w, r0, r1;
  if (get_int(env, argv[2], &h) || get_int(env, argv[3], &w) || h < 1 || w < 1) {
    throw_error(env, "accumulateRows: height and width must be integers >= 1");
    return -1;
  }
  if (h < b->kernel || w < b->kernel) {
    snprintf(msg, sizeof msg, "accumulateRows: image %lldx%lld is smaller than the %dx%d kernel", (long long)h,
             (long long)w, b->kernel, b->kernel);
    throw_error(env, msg);
    return -1;
  }
  const int64_t out_h = h - b->kernel + 1, out_w = w - b->kernel + 1;
  if ((double)b->channels * (double)h * (double)w > 2147483647.0) {
    throw_error(env, "accumulateRows: image too large (more than 2^31 values)");
    return -1;
  }
  size_t n;
  float *img;
  if (get_typed(env, argv[1], napi_float32_array, (void **)&img, &n)) {
    throw_error(env, "accumulateRows: image must be a Float32Array");
    return -1;
  }
  if (n != (size_t)(b->channels * h * w)) {
    snprintf(msg, sizeof msg, "accumulateRows: image has %zu values, expected channels*height*width = %d*%lld*%lld",
             n, b->channels, (long long)h, (long long)w);
    throw_error(env, msg);
    return -1;
  }
  uint8_t *mask = NULL;
  if (napi_typeof(env, argv[4], &t) != napi_ok) return -1;
  if (t != napi_null && t != napi_undefined) {
    if (get_typed(env, argv[4], napi_uint8_array, (void **)&mask, &n)) {
      throw_error(env, "accumulateRows: mask must be a Uint8Array or null");
      return -1;
    }
    if (n != (size_t)(out_h * out_w)) {
      snprintf(msg, sizeof msg, "accumulateRows: mask has %zu values, expected (height-k+1)*(width-k+1) = %lld*%lld",
               n, (long long)out_h, (long long)out_w);
      throw_error(env, msg);
      return -1;
    }
  }
  if (get_int(env, argv[5], &r0) || get_int(env, argv[6], &r1) || r0 < 0 || r1 < r0 || r1 > out_h) {
    snprintf(msg, sizeof msg, "accumulateRows: need integers 0 <= row0 <= row1 <= height-k+1 = %lld", (long long)out_h);
    throw_error(env, msg);
    return -1;
  }
  double *op, *on;
  size_t np, nn;
  if (get_typed(env, argv[7], napi_float64_array, (void **)&op, &np) ||
      get_typed(env, argv[8], napi_float64_array, (void **)&on, &nn)) {
    throw_error(env, "accumulateRows: outPos and outNeg must be Float64Arrays");
    return -1;
  }
  if (np != (size_t)b->filters || nn != (size_t)b->filters) {
    snprintf(msg, sizeof msg, "accumulateRows: outPos/outNeg have %zu/%zu values, expected filters = %d", np, nn,
             b->filters);
    throw_error(env, msg);
    return -1;
  }
  if (op == on) {
    throw_error(env, "accumulateRows: outPos and outNeg must be different arrays");
    return -1;
  }
  job->bank = b;
  job->image = img;
  job->mask = mask;
  job->out_pos = op;
  job->out_neg = on;
  job->height = (int)h;
  job->width = (int)w;
  job->row0 = (int)r0;
  job->row1 = (int)r1;
  job->status = 0;
  return 0;
}

static napi_value js_accumulate_sync(napi_env env, napi_callback_info info) {
  job_t job;
  napi_value argv[9];
  if (parse_job(env, info, &job, argv)) return NULL;
  if (rcf_accumulate(job.bank, job.image, job.height, job.width, job.mask, job.row0, job.row1, job.out_pos,
                     job.out_neg))
    return throw_error(env, "accumulateRows: out of memory");
  return NULL;
}

static void job_execute(napi_env env, void *data) {
  (void)env; /* runs on a libuv pool thread: no JS calls here */
  job_t *job = data;
  job->status = rcf_accumulate(job->bank, job->image, job->height, job->width, job->mask, job->row0, job->row1,
                               job->out_pos, job->out_neg);
}

static void job_free(napi_env env, job_t *job) {
  for (int i = 0; i < job->nrefs; i++) napi_delete_reference(env, job->refs[i]);
  if (job->work) napi_delete_async_work(env, job->work);
  free(job);
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_deferred deferred = job->deferred;
  napi_value result;
  if (status == napi_ok && job->status == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, deferred, result);
  } else {
    napi_value msg;
    const char *text = status == napi_cancelled ? "accumulateRows: cancelled" : "accumulateRows: out of memory";
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    napi_reject_deferred(env, deferred, result);
  }
  job_free(env, job);
}

static napi_value js_accumulate(napi_env env, napi_callback_info info) {
  job_t *job = calloc(1, sizeof *job);
  if (!job) return throw_error(env, "accumulateRows: out of memory");
  napi_value argv[9];
  if (parse_job(env, info, job, argv)) {
    free(job);
    return NULL;
  }
  /* Strong references: bank, image, mask, outPos, outNeg. */
  const int idx[5] = { 0, 1, 4, 7, 8 };
  for (int i = 0; i < 5; i++) {
    if (idx[i] == 4 && !job->mask) continue;
    if (napi_create_reference(env, argv[idx[i]], 1, &job->refs[job->nrefs]) != napi_ok) {
      job_free(env, job);
      throw_pending_or(env, "accumulateRows: napi_create_reference failed");
      return NULL;
    }
    job->nrefs++;
  }
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "rcfAccumulateRows", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, job_execute, job_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    /* A created deferred that is never settled is only leaked, not harmful. */
    job_free(env, job);
    throw_pending_or(env, "accumulateRows: could not queue the async work");
    return NULL;
  }
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  g_best_isa = rcf_best_isa();
  napi_property_descriptor props[] = {
    { "isa", NULL, js_isa, NULL, NULL, NULL, napi_enumerable, NULL },
    { "prepare", NULL, js_prepare, NULL, NULL, NULL, napi_enumerable, NULL },
    { "accumulate", NULL, js_accumulate, NULL, NULL, NULL, napi_enumerable, NULL },
    { "accumulateSync", NULL, js_accumulate_sync, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
