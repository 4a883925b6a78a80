/*
 * AVX2+FMA micro-kernel: same scheme as rcf_avx512.c with 16 ymm registers:
 * 6 positions x 2 ymm (16 filters) = 12 accumulators + 2 weights + 1 broadcast.
 */
#include "rcf_core.h"

#if RCF_HAVE_X86
#include <immintrin.h>

#define RCF_TARGET_AVX2 __attribute__((target("avx2,fma")))

static inline __attribute__((always_inline)) RCF_TARGET_AVX2 void
tile256(const rcf_segment *s, const float *x, const float *w, int f0, unsigned bits, const int MR,
        const int NR) {
  const int D = s->bank->depth;
  const int32_t *off = s->off;
  __m256 acc[12][2];
  __m256 bp[2];
#pragma GCC unroll 2
  for (int n = 0; n < NR; n++) bp[n] = _mm256_loadu_ps(s->bank->bias_pos + f0 + 8 * n);
#pragma GCC unroll 12
  for (int m = 0; m < MR; m++)
#pragma GCC unroll 2
    for (int n = 0; n < NR; n++) acc[m][n] = bp[n];

  for (int d = 0; d < D; d++, w += 8 * NR) {
    const float *xd = x + off[d];
    __m256 wv[2];
#pragma GCC unroll 2
    for (int n = 0; n < NR; n++) wv[n] = _mm256_load_ps(w + 8 * n);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) {
      __m256 xb = _mm256_broadcast_ss(xd + m);
#pragma GCC unroll 2
      for (int n = 0; n < NR; n++) acc[m][n] = _mm256_fmadd_ps(xb, wv[n], acc[m][n]);
    }
  }

  const __m256 zero = _mm256_setzero_ps();
  const __m256 ones = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
#pragma GCC unroll 2
  for (int n = 0; n < NR; n++) {
    const __m256 bs = _mm256_loadu_ps(s->bank->bias_sum + f0 + 8 * n);
    __m256 sp = _mm256_loadu_ps(s->sum_pos + f0 + 8 * n);
    __m256 sn = _mm256_loadu_ps(s->sum_neg + f0 + 8 * n);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) {
      __m256 k = (bits >> m) & 1u ? ones : zero;
      sp = _mm256_add_ps(sp, _mm256_and_ps(k, _mm256_max_ps(acc[m][n], zero)));
      sn = _mm256_add_ps(sn, _mm256_and_ps(k, _mm256_max_ps(_mm256_sub_ps(bs, acc[m][n]), zero)));
    }
    _mm256_storeu_ps(s->sum_pos + f0 + 8 * n, sp);
    _mm256_storeu_ps(s->sum_neg + f0 + 8 * n, sn);
  }
}

static inline __attribute__((always_inline)) RCF_TARGET_AVX2 void
block256(const rcf_segment *s, int f0, const int MR, const int NR) {
  const float *w = s->bank->weights + (size_t)f0 * s->bank->depth;
  for (int j = 0; j < s->len; j += MR) {
    int j0 = j + MR <= s->len ? j : s->len - MR;
    unsigned bits = 0;
    for (int m = 0; m < MR; m++)
      if (j0 + m >= j && s->valid[j0 + m]) bits |= 1u << m;
    if (bits) tile256(s, s->x + j0, w, f0, bits, MR, NR);
  }
}

RCF_TARGET_AVX2 void rcf_segment_avx2(const rcf_segment *s) {
  if (s->len < 12) {
    rcf_segment_short(s);
    return;
  }
  const rcf_bank *b = s->bank;
  for (int f0 = 0; f0 < b->padded; f0 += b->block) {
    if (b->padded - f0 >= 16) block256(s, f0, 6, 2);
    else block256(s, f0, 12, 1);
  }
}
#endif
