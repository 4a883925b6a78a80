/*
 * N-API glue (plain C, node_api.h only) from the ridge models to OpenBLAS: BLAS through
 * its CBLAS interface and LAPACK through the Fortran routines OpenBLAS carries, declared
 * by LAPACK's own lapack.h. Nothing here is numerical code of our own.
 *
 * Every matrix is a Float64Array in row-major order. A symmetric matrix is read from,
 * and written to, its upper triangle only (row i, columns j >= i).
 *
 * JS surface (wrapped by ../linalg.ts), each call but library() on the libuv thread pool; sizes >= 1:
 *   library(): string                              OpenBLAS's build and the core it runs on
 *   syrk(C, A, n, k, alpha, beta, trans): Promise  C = alpha*op(A)*op(A)^T + beta*C, C n×n;
 *                                                  trans: op(A) = A^T with A k×n, else A n×k
 *   gemm(C, A, B, m, n, k, transA, transB, alpha, beta): Promise   C = alpha*op(A)*op(B) + beta*C, C m×n
 *   eigh(A, n, w): Promise                         A = V diag(w) V^T (dsyevd), w ascending;
 *                                                  on return row i of A is the eigenvector of w[i]
 *   posv(A, B, n, nrhs): Promise                   solves A X = B (dposv), A positive definite
 *                                                  (overwritten by its Cholesky factor), B n×nrhs → X
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <cblas.h>
#include <lapack.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OP_SYRK, OP_GEMM, OP_EIGH, OP_POSV } op_kind;

typedef struct {
  op_kind op;
  const char *name;
  double *a, *b, *c;
  int m, n, k;
  bool trans_a, trans_b;
  double alpha, beta;
  /* Set by the worker: LAPACK's info, or -1000 for out of memory. */
  int info;
  napi_ref refs[3];
  int nrefs;
  napi_async_work work;
  napi_deferred deferred;
} job_t;

static napi_value throw_error(napi_env env, const char *msg) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "ERR_RCF_LINALG_ARGS", msg);
  return NULL;
}

/* A Float64Array with at least `need` elements; 0 on success. */
static int get_f64(napi_env env, napi_value v, double need, double **data, const char *what, const char *fn) {
  char msg[200];
  bool is_ta = false;
  napi_typedarray_type type;
  size_t len = 0;
  void *ptr = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &len, &ptr, NULL, NULL) != napi_ok || type != napi_float64_array) {
    snprintf(msg, sizeof msg, "%s: %s must be a Float64Array", fn, what);
    throw_error(env, msg);
    return -1;
  }
  if ((double)len < need) {
    snprintf(msg, sizeof msg, "%s: %s has %zu values, needs %.0f", fn, what, len, need);
    throw_error(env, msg);
    return -1;
  }
  *data = ptr;
  return 0;
}

/* A whole number in [0, 2^31). */
static int get_dim(napi_env env, napi_value v, int *out, const char *fn) {
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok ||
      !(d >= 1 && d < 2147483648.0 && d == (double)(int)d)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: sizes must be whole numbers from 1 to 2^31-1", fn);
    throw_error(env, msg);
    return -1;
  }
  *out = (int)d;
  return 0;
}

static int get_double(napi_env env, napi_value v, double *out, const char *fn) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, out) != napi_ok) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: alpha and beta must be numbers", fn);
    throw_error(env, msg);
    return -1;
  }
  return 0;
}

static int get_bool(napi_env env, napi_value v, bool *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  *out = false;
  if (t == napi_boolean) napi_get_value_bool(env, v, out);
  return 0;
}

static void job_execute(napi_env env, void *data) {
  job_t *j = data;
  j->info = 0;
  switch (j->op) {
    case OP_SYRK:
      cblas_dsyrk(CblasRowMajor, CblasUpper, j->trans_a ? CblasTrans : CblasNoTrans, j->n, j->k, j->alpha, j->a,
                  j->trans_a ? j->n : j->k, j->beta, j->c, j->n);
      break;
    case OP_GEMM:
      cblas_dgemm(CblasRowMajor, j->trans_a ? CblasTrans : CblasNoTrans, j->trans_b ? CblasTrans : CblasNoTrans, j->m,
                  j->n, j->k, j->alpha, j->a, j->trans_a ? j->m : j->k, j->b, j->trans_b ? j->k : j->n, j->beta, j->c,
                  j->n);
      break;
    case OP_EIGH: {
      /* Row-major upper is column-major lower; column-major eigenvectors are row-major rows. */
      const char jobz = 'V', uplo = 'L';
      int n = j->n, lwork = -1, liwork = -1, iwork_size = 0, info = 0;
      double work_size = 0;
      LAPACK_dsyevd(&jobz, &uplo, &n, j->a, &n, j->b, &work_size, &lwork, &iwork_size, &liwork, &info);
      if (info != 0) {
        j->info = info;
        break;
      }
      lwork = (int)work_size;
      liwork = iwork_size;
      double *work = malloc(sizeof(double) * (size_t)lwork);
      int *iwork = malloc(sizeof(int) * (size_t)liwork);
      if (!work || !iwork) {
        j->info = -1000;
      } else {
        LAPACK_dsyevd(&jobz, &uplo, &n, j->a, &n, j->b, work, &lwork, iwork, &liwork, &info);
        j->info = info;
      }
      free(work);
      free(iwork);
      break;
    }
    case OP_POSV: {
      const char uplo = 'L';
      int n = j->n, nrhs = j->k, info = 0;
      /* LAPACK wants B column-major: transpose it through a scratch copy. */
      double *b = malloc(sizeof(double) * (size_t)n * (size_t)nrhs);
      if (!b) {
        j->info = -1000;
        break;
      }
      for (int i = 0; i < n; i++)
        for (int r = 0; r < nrhs; r++) b[(size_t)r * n + i] = j->b[(size_t)i * nrhs + r];
      LAPACK_dposv(&uplo, &n, &nrhs, j->a, &n, b, &n, &info);
      j->info = info;
      if (info == 0)
        for (int i = 0; i < n; i++)
          for (int r = 0; r < nrhs; r++) j->b[(size_t)i * nrhs + r] = b[(size_t)r * n + i];
      free(b);
      break;
    }
  }
}

static void job_free(napi_env env, job_t *j) {
  for (int i = 0; i < j->nrefs; i++) napi_delete_reference(env, j->refs[i]);
  if (j->work) napi_delete_async_work(env, j->work);
  free(j);
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value result;
  if (status == napi_ok && j->info == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, j->deferred, result);
  } else {
    char text[200];
    if (status != napi_ok) snprintf(text, sizeof text, "%s: the work was cancelled", j->name);
    else if (j->info == -1000) snprintf(text, sizeof text, "%s: out of memory", j->name);
    else if (j->op == OP_POSV && j->info > 0)
      snprintf(text, sizeof text, "%s: the matrix is not positive definite (leading minor %d)", j->name, j->info);
    else if (j->op == OP_EIGH && j->info > 0)
      snprintf(text, sizeof text, "%s: the eigenvalue algorithm failed to converge (info %d)", j->name, j->info);
    else snprintf(text, sizeof text, "%s: LAPACK reported argument %d invalid", j->name, -j->info);
    napi_value msg;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    napi_reject_deferred(env, j->deferred, result);
  }
  job_free(env, j);
}

/* Keeps the arrays alive while the worker uses them, and queues the job. */
static napi_value queue(napi_env env, job_t *j, napi_value *arrays, int count) {
  for (int i = 0; i < count; i++) {
    if (napi_create_reference(env, arrays[i], 1, &j->refs[j->nrefs]) != napi_ok) {
      job_free(env, j);
      return throw_error(env, "rcf_linalg: napi_create_reference failed");
    }
    j->nrefs++;
  }
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, j->name, NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, job_execute, job_complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    job_free(env, j);
    return throw_error(env, "rcf_linalg: could not queue the work");
  }
  return promise;
}

static job_t *new_job(napi_env env, op_kind op, const char *name) {
  job_t *j = calloc(1, sizeof *j);
  if (!j) throw_error(env, "rcf_linalg: out of memory");
  else {
    j->op = op;
    j->name = name;
  }
  return j;
}

static napi_value js_syrk(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  const char *fn = "syrk";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7)
    return throw_error(env, "syrk: expected (C, A, n, k, alpha, beta, trans)");
  job_t *j = new_job(env, OP_SYRK, fn);
  if (!j) return NULL;
  if (get_dim(env, argv[2], &j->n, fn) || get_dim(env, argv[3], &j->k, fn) || get_double(env, argv[4], &j->alpha, fn) ||
      get_double(env, argv[5], &j->beta, fn) || get_bool(env, argv[6], &j->trans_a) ||
      get_f64(env, argv[0], (double)j->n * j->n, &j->c, "C", fn) ||
      get_f64(env, argv[1], (double)j->n * j->k, &j->a, "A", fn)) {
    free(j);
    return NULL;
  }
  napi_value arrays[2] = { argv[0], argv[1] };
  return queue(env, j, arrays, 2);
}

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  const char *fn = "gemm";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 10)
    return throw_error(env, "gemm: expected (C, A, B, m, n, k, transA, transB, alpha, beta)");
  job_t *j = new_job(env, OP_GEMM, fn);
  if (!j) return NULL;
  if (get_dim(env, argv[3], &j->m, fn) || get_dim(env, argv[4], &j->n, fn) || get_dim(env, argv[5], &j->k, fn) ||
      get_bool(env, argv[6], &j->trans_a) || get_bool(env, argv[7], &j->trans_b) ||
      get_double(env, argv[8], &j->alpha, fn) || get_double(env, argv[9], &j->beta, fn) ||
      get_f64(env, argv[0], (double)j->m * j->n, &j->c, "C", fn) ||
      get_f64(env, argv[1], (double)j->m * j->k, &j->a, "A", fn) ||
      get_f64(env, argv[2], (double)j->k * j->n, &j->b, "B", fn)) {
    free(j);
    return NULL;
  }
  napi_value arrays[3] = { argv[0], argv[1], argv[2] };
  return queue(env, j, arrays, 3);
}

static napi_value js_eigh(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  const char *fn = "eigh";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3)
    return throw_error(env, "eigh: expected (A, n, w)");
  job_t *j = new_job(env, OP_EIGH, fn);
  if (!j) return NULL;
  if (get_dim(env, argv[1], &j->n, fn) || get_f64(env, argv[0], (double)j->n * j->n, &j->a, "A", fn) ||
      get_f64(env, argv[2], (double)j->n, &j->b, "w", fn)) {
    free(j);
    return NULL;
  }
  napi_value arrays[2] = { argv[0], argv[2] };
  return queue(env, j, arrays, 2);
}

static napi_value js_posv(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  const char *fn = "posv";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4)
    return throw_error(env, "posv: expected (A, B, n, nrhs)");
  job_t *j = new_job(env, OP_POSV, fn);
  if (!j) return NULL;
  if (get_dim(env, argv[2], &j->n, fn) || get_dim(env, argv[3], &j->k, fn) ||
      get_f64(env, argv[0], (double)j->n * j->n, &j->a, "A", fn) ||
      get_f64(env, argv[1], (double)j->n * j->k, &j->b, "B", fn)) {
    free(j);
    return NULL;
  }
  napi_value arrays[2] = { argv[0], argv[1] };
  return queue(env, j, arrays, 2);
}

static napi_value js_library(napi_env env, napi_callback_info info) {
  char text[400];
  snprintf(text, sizeof text, "%s (core %s, %d threads)", openblas_get_config(), openblas_get_corename(),
           openblas_get_num_threads());
  napi_value result;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "library", NULL, js_library, NULL, NULL, NULL, napi_enumerable, NULL },
    { "syrk", NULL, js_syrk, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gemm", NULL, js_gemm, NULL, NULL, NULL, napi_enumerable, NULL },
    { "eigh", NULL, js_eigh, NULL, NULL, NULL, napi_enumerable, NULL },
    { "posv", NULL, js_posv, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
