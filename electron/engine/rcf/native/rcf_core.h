/*
 * Fused RCF kernel: valid cross-correlation + bias + two-sided ReLU + sum over
 * positions, without ever materialising the [filters x positions] map.
 *
 * Shared declarations between the ISA-independent driver (rcf_core.c), the
 * per-ISA micro-kernels (rcf_avx512.c, rcf_avx2.c) and the N-API glue.
 */
#ifndef RCF_CORE_H
#define RCF_CORE_H

#include <stddef.h>
#include <stdint.h>

/* x86 SIMD paths need GCC/Clang (target attributes, __builtin_cpu_supports).
 * -DRCF_PORTABLE_ONLY builds just the portable path, as on arm64. */
#if !defined(RCF_PORTABLE_ONLY) && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define RCF_HAVE_X86 1
#else
#define RCF_HAVE_X86 0
#endif

typedef enum { RCF_ISA_GENERIC = 0, RCF_ISA_AVX2 = 1, RCF_ISA_AVX512 = 2 } rcf_isa;

/* Longest run of positions summed in float32 before flushing into the float64
 * outputs; keeps the float32 partial sums short so long sums stay precise. */
#define RCF_SEGMENT_MAX 512

/*
 * A filter bank re-laid out for one ISA. Filters are padded up to a multiple
 * of `vec` (zero weights, zero bias; their sums are never flushed) and cut into
 * blocks of `block` filters. Each block is stored as [depth][bw] with
 * bw = min(block, padded - first filter of the block), so the inner loop over
 * d = (c, u, v) reads the weights of one block sequentially and the whole
 * block (depth * bw floats) stays in L1 while a row segment streams past.
 */
typedef struct {
  rcf_isa isa;
  int filters, channels, kernel, depth; /* depth = channels * kernel * kernel */
  int vec, block, padded;
  float *weights;  /* 64-byte aligned, padded * depth floats */
  float *bias_pos; /* [padded] */
  float *bias_sum; /* [padded] bias_pos + bias_neg, see the epilogue note */
  void *alloc;     /* what to free */
} rcf_bank;

/*
 * One run of `len` consecutive output positions of one output row.
 * Epilogue note: accumulators start at bias_pos, so acc = c + bp and
 *   pos = max(acc, 0),  neg = max(-c + bn, 0) = max((bp + bn) - acc, 0).
 */
typedef struct {
  const rcf_bank *bank;
  const float *x;       /* image + row * width + first column of the run */
  const int32_t *off;   /* [depth] offset of (c, u, v) relative to x */
  int len;
  const uint8_t *valid; /* [len] 1 = count this position */
  float *sum_pos, *sum_neg; /* [padded] float32 sums for this run (added to) */
} rcf_segment;

rcf_isa rcf_best_isa(void);
const char *rcf_isa_name(rcf_isa isa);

/* Returns NULL on allocation failure. `isa` must be <= rcf_best_isa(). */
rcf_bank *rcf_bank_create(rcf_isa isa, const float *weights, int filters, int channels,
                          int kernel, const float *bias_pos, const float *bias_neg);
void rcf_bank_free(rcf_bank *bank);

/* Adds the contributions of output rows [row0, row1) to out_pos/out_neg
 * (each [filters]). Returns 0, or -1 on allocation failure. */
int rcf_accumulate(const rcf_bank *bank, const float *image, int height, int width,
                   const uint8_t *mask, int row0, int row1, double *out_pos, double *out_neg);

/* Micro-kernel drivers. Each handles any len >= 1 (falling back to the
 * one-position generic loop where a run is shorter than its tile). */
void rcf_segment_generic(const rcf_segment *s);
/* Any block layout, one position at a time: for runs shorter than a tile. */
void rcf_segment_short(const rcf_segment *s);
#if RCF_HAVE_X86
void rcf_segment_avx2(const rcf_segment *s);
void rcf_segment_avx512(const rcf_segment *s);
#endif

#endif
