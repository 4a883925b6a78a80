/*
 * ISA-independent parts of the fused RCF kernel: CPU dispatch, weight
 * re-layout, the row/segment driver and the portable (plain C) micro-kernel.
 */
#include "rcf_core.h"

#include <stdlib.h>
#include <string.h>

rcf_isa rcf_best_isa(void) {
#if RCF_HAVE_X86
  /* __builtin_cpu_supports also checks that the OS saves the wide registers
   * (XGETBV), so a CPU with AVX-512 under an OS without it falls back. */
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("fma"))
    return RCF_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return RCF_ISA_AVX2;
#endif
  return RCF_ISA_GENERIC;
}

const char *rcf_isa_name(rcf_isa isa) {
  switch (isa) {
    case RCF_ISA_AVX512: return "avx512";
    case RCF_ISA_AVX2: return "avx2";
    default: return "generic";
  }
}

rcf_bank *rcf_bank_create(rcf_isa isa, const float *weights, int filters, int channels,
                          int kernel, const float *bias_pos, const float *bias_neg) {
  rcf_bank *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->isa = isa;
  b->filters = filters;
  b->channels = channels;
  b->kernel = kernel;
  b->depth = channels * kernel * kernel;
  /* vec: padding unit (one SIMD register of floats); block: filters whose
   * weights stay in registers for one micro-tile (4 zmm / 2 ymm / 8 floats). */
  switch (isa) {
    case RCF_ISA_AVX512: b->vec = 16; b->block = 64; break;
    case RCF_ISA_AVX2: b->vec = 8; b->block = 16; break;
    default: b->vec = 8; b->block = 8; break;
  }
  b->padded = (filters + b->vec - 1) / b->vec * b->vec;
  size_t nw = (size_t)b->padded * (size_t)b->depth;
  size_t bytes = (nw + 2 * (size_t)b->padded) * sizeof(float) + 64;
  b->alloc = malloc(bytes);
  if (!b->alloc) {
    free(b);
    return NULL;
  }
  /* Manual 64-byte alignment: portable (no aligned_alloc on Windows CRT). */
  uintptr_t p = ((uintptr_t)b->alloc + 63) & ~(uintptr_t)63;
  b->weights = (float *)p;
  b->bias_pos = b->weights + nw;
  b->bias_sum = b->bias_pos + b->padded;
  memset(b->weights, 0, (nw + 2 * (size_t)b->padded) * sizeof(float));

  const int D = b->depth;
  for (int f0 = 0; f0 < b->padded; f0 += b->block) {
    int bw = b->padded - f0 < b->block ? b->padded - f0 : b->block;
    float *dst = b->weights + (size_t)f0 * D;
    for (int f = f0; f < f0 + bw && f < filters; f++)
      for (int d = 0; d < D; d++) dst[(size_t)d * bw + (f - f0)] = weights[(size_t)f * D + d];
  }
  for (int f = 0; f < filters; f++) {
    b->bias_pos[f] = bias_pos[f];
    b->bias_sum[f] = bias_pos[f] + bias_neg[f];
  }
  return b;
}

void rcf_bank_free(rcf_bank *bank) {
  if (!bank) return;
  free(bank->alloc);
  free(bank);
}

/* One position, one block of any width: the fallback for runs shorter than a
 * micro-tile, and the tail of the generic kernel. */
static void one_position(const rcf_segment *s, int j, int f0, int bw) {
  const rcf_bank *b = s->bank;
  const int D = b->depth;
  const float *w = b->weights + (size_t)f0 * D;
  const float *x = s->x + j;
  float acc[64];
  for (int f = 0; f < bw; f++) acc[f] = b->bias_pos[f0 + f];
  for (int d = 0; d < D; d++) {
    const float xv = x[s->off[d]];
    const float *wd = w + (size_t)d * bw;
    for (int f = 0; f < bw; f++) acc[f] += xv * wd[f];
  }
  for (int f = 0; f < bw; f++) {
    float a = acc[f], n = b->bias_sum[f0 + f] - a;
    s->sum_pos[f0 + f] += a > 0.0f ? a : 0.0f;
    s->sum_neg[f0 + f] += n > 0.0f ? n : 0.0f;
  }
}

void rcf_segment_generic(const rcf_segment *s) {
  const rcf_bank *b = s->bank;
  const int D = b->depth;
  enum { MR = 4, NB = 8 };
  for (int f0 = 0; f0 < b->padded; f0 += b->block) {
    int bw = b->padded - f0 < b->block ? b->padded - f0 : b->block;
    int j = 0;
    if (bw == NB) {
      /* MR positions x 8 filters, written with GCC/Clang vector extensions
       * (SSE2 on any x86-64, NEON on arm64) so the accumulators stay in
       * registers; other compilers get the plain loops. */
      const float *w = b->weights + (size_t)f0 * D;
      for (; j + MR <= s->len; j += MR) {
        if (!(s->valid[j] | s->valid[j + 1] | s->valid[j + 2] | s->valid[j + 3])) continue;
        const float *x = s->x + j;
        float acc[MR][NB];
#if defined(__GNUC__)
        typedef float v4f __attribute__((vector_size(16)));
        v4f va[MR][2], bp[2];
        memcpy(bp, b->bias_pos + f0, sizeof bp);
        for (int m = 0; m < MR; m++) va[m][0] = bp[0], va[m][1] = bp[1];
        for (int d = 0; d < D; d++) {
          const float *xd = x + s->off[d];
          v4f w0, w1;
          memcpy(&w0, w + (size_t)d * NB, sizeof w0);
          memcpy(&w1, w + (size_t)d * NB + 4, sizeof w1);
          for (int m = 0; m < MR; m++) {
            va[m][0] += xd[m] * w0;
            va[m][1] += xd[m] * w1;
          }
        }
        memcpy(acc, va, sizeof acc);
#else
        for (int m = 0; m < MR; m++)
          for (int f = 0; f < NB; f++) acc[m][f] = b->bias_pos[f0 + f];
        for (int d = 0; d < D; d++) {
          const float *xd = x + s->off[d];
          const float *wd = w + (size_t)d * NB;
          for (int m = 0; m < MR; m++)
            for (int f = 0; f < NB; f++) acc[m][f] += xd[m] * wd[f];
        }
#endif
        for (int m = 0; m < MR; m++) {
          if (!s->valid[j + m]) continue;
          for (int f = 0; f < NB; f++) {
            float a = acc[m][f], n = b->bias_sum[f0 + f] - a;
            s->sum_pos[f0 + f] += a > 0.0f ? a : 0.0f;
            s->sum_neg[f0 + f] += n > 0.0f ? n : 0.0f;
          }
        }
      }
    }
    for (; j < s->len; j++)
      if (s->valid[j]) one_position(s, j, f0, bw);
  }
}

void rcf_segment_short(const rcf_segment *s) {
  const rcf_bank *b = s->bank;
  for (int f0 = 0; f0 < b->padded; f0 += b->block) {
    int bw = b->padded - f0 < b->block ? b->padded - f0 : b->block;
    for (int j = 0; j < s->len; j++)
      if (s->valid[j]) one_position(s, j, f0, bw);
  }
}

int rcf_accumulate(const rcf_bank *b, const float *image, int height, int width,
                   const uint8_t *mask, int row0, int row1, double *out_pos, double *out_neg) {
  const int k = b->kernel, D = b->depth;
  const int out_w = width - k + 1;
  if (row1 <= row0 || out_w <= 0) return 0;

  void (*segment_fn)(const rcf_segment *) = rcf_segment_generic;
#if RCF_HAVE_X86
  if (b->isa == RCF_ISA_AVX512) segment_fn = rcf_segment_avx512;
  else if (b->isa == RCF_ISA_AVX2) segment_fn = rcf_segment_avx2;
#endif

  int32_t *off = malloc((size_t)D * sizeof *off);
  float *sums = malloc(2 * (size_t)b->padded * sizeof *sums);
  uint8_t *valid = malloc((size_t)out_w);
  if (!off || !sums || !valid) {
    free(off);
    free(sums);
    free(valid);
    return -1;
  }
  /* d = (c, u, v) in the same order as the packed weights. */
  for (int c = 0, d = 0; c < b->channels; c++)
    for (int u = 0; u < k; u++)
      for (int v = 0; v < k; v++, d++) off[d] = (int32_t)((size_t)c * height * width + (size_t)u * width + v);

  /* Split each row into equal runs of at most RCF_SEGMENT_MAX positions. */
  const int nseg = (out_w + RCF_SEGMENT_MAX - 1) / RCF_SEGMENT_MAX;
  rcf_segment s = { .bank = b, .off = off, .valid = valid, .sum_pos = sums, .sum_neg = sums + b->padded };

  for (int i = row0; i < row1; i++) {
    const uint8_t *mrow = mask ? mask + (size_t)i * out_w : NULL;
    for (int g = 0; g < nseg; g++) {
      int j0 = (int)((long long)out_w * g / nseg), j1 = (int)((long long)out_w * (g + 1) / nseg);
      int any = 0;
      for (int j = j0; j < j1; j++) {
        valid[j - j0] = mrow ? (mrow[j] != 0) : 1;
        any |= valid[j - j0];
      }
      if (!any) continue;
      memset(sums, 0, 2 * (size_t)b->padded * sizeof *sums);
      s.x = image + (size_t)i * width + j0;
      s.len = j1 - j0;
      segment_fn(&s);
      for (int f = 0; f < b->filters; f++) {
        out_pos[f] += s.sum_pos[f];
        out_neg[f] += s.sum_neg[f];
      }
    }
  }
  free(off);
  free(sums);
  free(valid);
  return 0;
}
