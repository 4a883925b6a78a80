/*
 * AVX-512 micro-kernel. Compiled with per-function target attributes so the
 * addon builds with default flags and only runs this after CPU dispatch.
 *
 * Micro-tile: MR consecutive positions of one output row x NR zmm of filters
 * (6 x 4 = 24 accumulators + 4 weight registers + 1 broadcast, of 32). The
 * loop over d = (c, u, v) broadcasts x[c][i+u][j+m+v] and does MR*NR FMAs
 * against NR weight vectors read sequentially from the packed block.
 */
#include "rcf_core.h"

#if RCF_HAVE_X86
#include <immintrin.h>

#define RCF_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

static inline __attribute__((always_inline)) RCF_TARGET_AVX512 void
tile512(const rcf_segment *s, const float *x, const float *w, int f0, unsigned bits, const int MR,
        const int NR) {
  const int D = s->bank->depth;
  const int32_t *off = s->off;
  __m512 acc[12][4];
  __m512 bp[4];
#pragma GCC unroll 4
  for (int n = 0; n < NR; n++) bp[n] = _mm512_loadu_ps(s->bank->bias_pos + f0 + 16 * n);
#pragma GCC unroll 12
  for (int m = 0; m < MR; m++)
#pragma GCC unroll 4
    for (int n = 0; n < NR; n++) acc[m][n] = bp[n];

  for (int d = 0; d < D; d++, w += 16 * NR) {
    const float *xd = x + off[d];
    __m512 wv[4];
#pragma GCC unroll 4
    for (int n = 0; n < NR; n++) wv[n] = _mm512_load_ps(w + 16 * n);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) {
      __m512 xb = _mm512_set1_ps(xd[m]);
#pragma GCC unroll 4
      for (int n = 0; n < NR; n++) acc[m][n] = _mm512_fmadd_ps(xb, wv[n], acc[m][n]);
    }
  }

  /* Epilogue: two-sided ReLU, masked sum over the tile's valid positions. */
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int n = 0; n < NR; n++) {
    const __m512 bs = _mm512_loadu_ps(s->bank->bias_sum + f0 + 16 * n);
    __m512 sp = _mm512_loadu_ps(s->sum_pos + f0 + 16 * n);
    __m512 sn = _mm512_loadu_ps(s->sum_neg + f0 + 16 * n);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) {
      __mmask16 k = (bits >> m) & 1u ? 0xFFFF : 0;
      sp = _mm512_mask_add_ps(sp, k, sp, _mm512_max_ps(acc[m][n], zero));
      sn = _mm512_mask_add_ps(sn, k, sn, _mm512_max_ps(_mm512_sub_ps(bs, acc[m][n]), zero));
    }
    _mm512_storeu_ps(s->sum_pos + f0 + 16 * n, sp);
    _mm512_storeu_ps(s->sum_neg + f0 + 16 * n, sn);
  }
}

/* Sweeps one filter block over the whole run. The last tile is shifted left
 * to end at the run's end (so it never reads past the row) and positions
 * already counted by the previous tile are masked off. */
static inline __attribute__((always_inline)) RCF_TARGET_AVX512 void
block512(const rcf_segment *s, int f0, const int MR, const int NR) {
  const float *w = s->bank->weights + (size_t)f0 * s->bank->depth;
  for (int j = 0; j < s->len; j += MR) {
    int j0 = j + MR <= s->len ? j : s->len - MR;
    unsigned bits = 0;
    for (int m = 0; m < MR; m++)
      if (j0 + m >= j && s->valid[j0 + m]) bits |= 1u << m;
    if (bits) tile512(s, s->x + j0, w, f0, bits, MR, NR);
  }
}

RCF_TARGET_AVX512 void rcf_segment_avx512(const rcf_segment *s) {
  /* Narrow blocks get taller tiles so there are still >= 12 independent
   * accumulators to hide the FMA latency. */
  if (s->len < 12) {
    rcf_segment_short(s);
    return;
  }
  const rcf_bank *b = s->bank;
  for (int f0 = 0; f0 < b->padded; f0 += b->block) {
    int nr = (b->padded - f0 < b->block ? b->padded - f0 : b->block) / 16;
    switch (nr) {
      case 4: block512(s, f0, 6, 4); break;
      case 3: block512(s, f0, 8, 3); break;
      case 2: block512(s, f0, 12, 2); break;
      default: block512(s, f0, 12, 1); break;
    }
  }
}
#endif
