/* The Marcus–Lushnikov process: one replica, exact in distribution.
 *
 * Every unordered pair of particles {i, j} coagulates at rate K(m_i, m_j)/V.
 * Counts by mass (masses <= hist_max), the number and mass of heavier
 * particles, the number of particles, sum m^2 and the largest mass are kept
 * exactly, as integers, after every coagulation.
 *
 * Classical kernels: uniformization on sub-intervals. On [s, s + h] the
 * proposals form a Poisson process of a constant rate L that bounds the total
 * rate of every state the process can visit in the sub-interval; a proposal
 * draws an ordered pair from a fixed proposal law and is accepted with
 * probability (rate of the pair) / (L x its proposal probability) (thinning).
 * Conditional on their number, what the proposals do does not depend on their
 * times, so only the Poisson number of proposals is drawn. With n0 the number
 * of particles at s (it only decreases), M the total mass and an "atom" one
 * unit of mass:
 *   constant K = k:           i, j uniform on slots 0..n0-1 of the particle
 *                             array; accepted iff both slots are occupied and
 *                             i != j.                         L = k n0^2 / (2V)
 *   additive K = k (m + m'):  i the particle of a uniform atom (size-biased),
 *                             j uniform on slots 0..n0-1 of the particle list;
 *                             accepted iff j's slot is occupied and i != j.
 *                                                             L = k M n0 / V
 *   multiplicative K = k m m': i, j the particles of two uniform atoms;
 *                             accepted iff i != j.            L = k M^2 / (2V)
 * An unordered pair {a, b} is proposed with probability 2/n0^2,
 * (m_a + m_b)/(M n0) and 2 m_a m_b / M^2 respectively, so it coagulates at
 * rate K(m_a, m_b)/V exactly. Sub-intervals hold about n0/32 proposals, so
 * the slots emptied by coagulations cost a few per cent of the proposals (and
 * a lone particle is noticed soon).
 * The particle of an atom is found with a union-find forest over the atoms
 * (path halving; the root of a tree is the particle and holds its mass). The
 * multiplicative kernel merges by mass; the additive one attaches the
 * particle drawn from the list under the other, so that the root leaving the
 * list is the one whose slot is known (it is marked DEAD there; the list is
 * compacted between sub-intervals). Proposals do not depend on the state, so
 * the memory they will touch is prefetched ahead, in two stages.
 *
 * Other kernels (and every kernel with SK_ML_SAMPLER_GENERAL): particles are
 * kept in one compact array per mass group g (2^g <= m < 2^(g+1)), with a
 * majorant K^(g, h) >= K on each pair of groups. Proposals arrive at the
 * total rate S / (2V), S = sum_{g,h} n_g n_h K^(g, h), with exponential
 * waiting times (time advances on every proposal); a proposal draws g with
 * probability n_g R_g / S (R_g = sum_h K^(g, h) n_h), h with probability
 * K^(g, h) n_h / R_g, uniform particles i of g and j of h, and is accepted
 * with probability K(m_i, m_j) / K^(g, h) if i != j.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "coalescent/cl_internal.h"
#include "coalescent/cl_random.h"

enum { MODE_CONST = 0, MODE_ADD, MODE_MUL, MODE_GENERAL };
static const char *const mode_names[] = {"constant", "additive", "multiplicative", "general"};

#define RING 64       /* proposals whose random words are held ahead */
#define AHEAD1 40     /* first prefetch, in proposals ahead */
#define AHEAD2 16     /* second prefetch (the memory the first one pointed to) */
#define SUBINT 32     /* uniformization: about n0 / SUBINT proposals per sub-interval */
#define REFRESH 1024  /* general sampler: row sums recomputed every REFRESH events */

typedef struct grp {
  uint32_t *a;
  uint64_t n, cap;
} grp;

struct sk_ml {
  const sk_ml_kernel *K;
  int mode;
  uint64_t N;
  double V;
  double kscale;
  uint64_t *init; /* init[i] particles of mass i + 1 */
  size_t ninit;
  uint64_t M;     /* total mass (number of atoms) */

  double t;
  uint64_t n, M2, mmax;
  uint64_t events, proposals;

  /* MODE_CONST: the particles' masses */
  uint32_t *a;
  /* MODE_ADD, MODE_MUL: the forest over atoms; par[x] >= 0 is x's parent,
   * par[r] = -(mass) at a root r. MODE_ADD: the list of roots, nroots long,
   * where roots that stopped being one are marked DEAD until compacted. */
  int32_t *par;
  uint32_t *roots;
  uint64_t nroots;
  /* MODE_GENERAL: particles by mass group, majorant, row sums */
  grp g[CL_NGROUPS];
  int gtop; /* no particle lies above group gtop */
  double khat[CL_NGROUPS][CL_NGROUPS];
  double R[CL_NGROUPS];
  double S;
  uint64_t since_refresh;

  /* counts by mass 1..hmax, and the tail */
  uint32_t *hist;
  uint64_t hmax;
  uint64_t tail_n, tail_m;

  /* randomness: proposal p takes words 2(p mod 2), 2(p mod 2) + 1 of block
   * p/2 of the stream (seed, replica, CL_DOM_ML_MAIN) */
  philox4x64_key_t key;
  uint64_t pgen, puse;       /* proposals generated / used */
  uint64_t ring[RING][2];
  cl_stream extra; /* Poisson numbers, rare rejected words */
  cl_stream seq;   /* MODE_GENERAL: every draw, in sequence */
};

/* ---------------------------------------------------------- bookkeeping */

static inline void h_dec(sk_ml *s, uint64_t m) {
  if (m <= s->hmax) {
    s->hist[m]--;
  } else {
    s->tail_n--;
    s->tail_m -= m;
  }
}

static inline void h_inc(sk_ml *s, uint64_t m) {
  if (m <= s->hmax) {
    s->hist[m]++;
  } else {
    s->tail_n++;
    s->tail_m += m;
  }
}

/* The moments and histogram after a + b -> c. */
static inline void account(sk_ml *s, uint64_t a, uint64_t b, uint64_t c) {
  h_dec(s, a);
  h_dec(s, b);
  h_inc(s, c);
  s->M2 += 2 * a * b;
  if (c > s->mmax) s->mmax = c;
  s->n--;
  s->events++;
}

/* Big arrays are read at random: align them to 2 MiB and ask for transparent
 * huge pages, which spares most TLB misses. */
#define HUGE_BYTES ((size_t)2 << 20)
static void *big_alloc(size_t bytes) {
  if (bytes < 2 * HUGE_BYTES) return malloc(bytes ? bytes : 1);
  size_t rounded = (bytes + HUGE_BYTES - 1) / HUGE_BYTES * HUGE_BYTES;
  void *p = aligned_alloc(HUGE_BYTES, rounded);
  if (p) madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

/* ------------------------------------------------------ proposal words */

static void ring_fill(sk_ml *s, uint64_t upto) {
  while (s->pgen < upto) {
    uint64_t w[4];
    cl_philox_block(&s->key, CL_DOM_ML_MAIN, s->pgen / 2, w);
    /* pgen is even here: every fill generates whole blocks */
    uint64_t *r0 = s->ring[s->pgen % RING], *r1 = s->ring[(s->pgen + 1) % RING];
    r0[0] = w[0];
    r0[1] = w[1];
    r1[0] = w[2];
    r1[1] = w[3];
    s->pgen += 2;
  }
}

/* The words of the next proposal; generates ahead so that proposals up to
 * puse + AHEAD1 have their words. */
static inline const uint64_t *next_words(sk_ml *s) {
  if (s->pgen <= s->puse + AHEAD1) ring_fill(s, s->puse + RING - 2);
  return s->ring[s->puse++ % RING];
}

/* --------------------------------------------------------------- constant */

static void run_const(sk_ml *s, uint64_t P, uint64_t n0) {
  uint32_t *a = s->a;
  for (uint64_t k = 0; k < P; ++k) {
    const uint64_t *w = next_words(s);
    const uint64_t *p = s->ring[(s->puse - 1 + AHEAD1) % RING];
    __builtin_prefetch(a + cl_below_guess(p[0], n0), 1);
    __builtin_prefetch(a + cl_below_guess(p[1], n0), 1);
    uint64_t i = cl_below(w[0], n0, &s->extra);
    uint64_t j = cl_below(w[1], n0, &s->extra);
    uint64_t n = s->n;
    if (i >= n || j >= n || i == j) continue;
    uint64_t x = a[i], y = a[j], c = x + y;
    a[i] = (uint32_t)c;
    a[j] = a[n - 1]; /* if i == n-1 this moves the merged particle to j */
    account(s, x, y, c);
  }
  s->proposals += P;
}

/* --------------------------------------------- additive, multiplicative */

/* The root (particle) of atom x, halving the path on the way. The common
 * cases (x a root, or a child of one) take no data-dependent branch. */
static inline uint32_t uf_find(int32_t *par, uint32_t x) {
  int32_t p = par[x];
  uint32_t r = p < 0 ? x : (uint32_t)p; /* a root, unless x is deeper */
  int32_t gp = par[r];
  if (__builtin_expect(gp < 0, 1)) return r;
  /* depth >= 2: halve the path from x */
  for (;;) {
    p = par[x];
    if (p < 0) return x;
    gp = par[p];
    if (gp < 0) return (uint32_t)p;
    par[x] = gp;
    x = (uint32_t)gp;
  }
}

/* Coagulation of the particles with roots ra != rb; returns the root that
 * stops being one (the lighter). */
static inline uint32_t uf_merge(sk_ml *s, uint32_t ra, uint32_t rb) {
  int32_t *par = s->par;
  uint64_t ma = (uint64_t)-(int64_t)par[ra], mb = (uint64_t)-(int64_t)par[rb];
  uint32_t big = ma >= mb ? ra : rb, small = ma >= mb ? rb : ra;
  par[big] = -(int32_t)(ma + mb);
  par[small] = (int32_t)big;
  account(s, ma, mb, ma + mb);
  return small;
}

/* Additive: rb (drawn from the list of roots) joins ra's tree, whatever the
 * masses, so that the root leaving the list is the one whose slot is known. */
static inline void uf_attach(sk_ml *s, uint32_t ra, uint32_t rb) {
  int32_t *par = s->par;
  uint64_t ma = (uint64_t)-(int64_t)par[ra], mb = (uint64_t)-(int64_t)par[rb];
  par[ra] = -(int32_t)(ma + mb);
  par[rb] = (int32_t)ra;
  account(s, ma, mb, ma + mb);
}

#define DEAD UINT32_MAX

/* Prefetches for the proposal d = AHEAD1 ahead (its atoms' entries) and the
 * one AHEAD2 ahead (the entries those point to). */
/* always_inline: as a separate function GCC deems it free of side effects
 * (prefetches do not count) and deletes the calls. */
__attribute__((always_inline)) static inline void uf_prefetch(sk_ml *s, uint64_t n0,
                                                               int additive) {
  const int32_t *par = s->par;
  const uint64_t *p1 = s->ring[(s->puse - 1 + AHEAD1) % RING];
  const uint64_t *p2 = s->ring[(s->puse - 1 + AHEAD2) % RING];
  __builtin_prefetch(par + cl_below_guess(p1[0], s->M), 1);
  int32_t q = par[cl_below_guess(p2[0], s->M)];
  if (q >= 0) __builtin_prefetch(par + q, 1);
  if (additive) {
    uint64_t v1 = cl_below_guess(p1[1], n0), v2 = cl_below_guess(p2[1], n0);
    __builtin_prefetch(s->roots + v1, 1);
    uint32_t r = s->roots[v2];
    if (r != DEAD) __builtin_prefetch(par + r, 1);
  } else {
    __builtin_prefetch(par + cl_below_guess(p1[1], s->M), 1);
    int32_t r = par[cl_below_guess(p2[1], s->M)];
    if (r >= 0) __builtin_prefetch(par + r, 1);
  }
}

/* n0 is the length of the list of roots (live or DEAD) during the sub-interval. */
static void run_add(sk_ml *s, uint64_t P, uint64_t n0) {
  for (uint64_t k = 0; k < P; ++k) {
    const uint64_t *w = next_words(s);
    uf_prefetch(s, n0, 1);
    uint64_t u = cl_below(w[0], s->M, &s->extra);
    uint64_t v = cl_below(w[1], n0, &s->extra);
    uint32_t rb = s->roots[v];
    if (rb == DEAD) continue;
    uint32_t ra = uf_find(s->par, (uint32_t)u);
    if (ra == rb) continue;
    uf_attach(s, ra, rb);
    s->roots[v] = DEAD;
  }
  s->proposals += P;
}

/* Drops the DEAD entries from the list of roots (between sub-intervals);
 * branch-free, as about one entry in six is DEAD at random places. */
static void roots_compact(sk_ml *s) {
  uint32_t *r = s->roots;
  uint64_t k = 0;
  for (uint64_t i = 0; i < s->nroots; ++i) {
    uint32_t x = r[i];
    r[k] = x;
    k += x != DEAD;
  }
  s->nroots = k;
}

static void run_mul(sk_ml *s, uint64_t P) {
  for (uint64_t k = 0; k < P; ++k) {
    const uint64_t *w = next_words(s);
    uf_prefetch(s, 0, 0);
    uint64_t u = cl_below(w[0], s->M, &s->extra);
    uint64_t v = cl_below(w[1], s->M, &s->extra);
    uint32_t ra = uf_find(s->par, (uint32_t)u), rb = uf_find(s->par, (uint32_t)v);
    if (ra == rb) continue;
    uf_merge(s, ra, rb);
  }
  s->proposals += P;
}

static void advance_fast(sk_ml *s, double T) {
  while (s->t < T) {
    if (s->n <= 1) {
      s->t = T;
      break;
    }
    uint64_t n0 = s->n;
    double k = s->kscale, lam;
    if (s->mode == MODE_ADD) {
      /* the list of roots has n live entries among nroots */
      if (s->nroots - s->n > s->nroots / 6) roots_compact(s);
      n0 = s->nroots;
    }
    if (s->mode == MODE_CONST)
      lam = k * (double)n0 * (double)n0 / (2 * s->V);
    else if (s->mode == MODE_ADD)
      lam = k * (double)s->M * (double)n0 / s->V;
    else
      lam = k * (double)s->M * (double)s->M / (2 * s->V);
    double rem = T - s->t, h = rem;
    int last = 1;
    double target = (double)(s->n / SUBINT + 1);
    if (lam * rem > target) {
      h = target / lam;
      last = 0;
    }
    uint64_t P = cl_poisson(&s->extra, lam * h);
    if (s->mode == MODE_CONST)
      run_const(s, P, n0);
    else if (s->mode == MODE_ADD)
      run_add(s, P, n0);
    else
      run_mul(s, P);
    s->t = last ? T : s->t + h;
  }
}

/* --------------------------------------------------------- general sampler */

static int g_reserve(sk_ml *s, int g, uint64_t need) {
  grp *G = &s->g[g];
  if (need <= G->cap) return SK_OK;
  uint64_t nc = G->cap ? G->cap : 64;
  while (nc < need) nc *= 2;
  uint32_t *na = big_alloc(nc * sizeof *na);
  if (!na) return SK_ENOMEM;
  if (G->n) memcpy(na, G->a, G->n * sizeof *na);
  free(G->a);
  G->a = na;
  G->cap = nc;
  return SK_OK;
}

static inline void g_push(sk_ml *s, int g, uint32_t m) {
  grp *G = &s->g[g];
  G->a[G->n++] = m;
  if (g > s->gtop) s->gtop = g;
}

static inline void g_remove(sk_ml *s, int g, uint64_t idx) {
  grp *G = &s->g[g];
  G->a[idx] = G->a[--G->n];
}

/* Coagulation of particle ii of group gi with particle ij of group gj
 * (distinct particles). */
static int g_merge(sk_ml *s, int gi, uint64_t ii, int gj, uint64_t ij) {
  uint64_t a = s->g[gi].a[ii], b = s->g[gj].a[ij], c = a + b;
  int gc = cl_log2(c);
  if (gc == gi) {
    s->g[gi].a[ii] = (uint32_t)c;
    g_remove(s, gj, ij);
  } else if (gc == gj) {
    s->g[gj].a[ij] = (uint32_t)c;
    g_remove(s, gi, ii);
  } else {
    if (g_reserve(s, gc, s->g[gc].n + 1)) return SK_ENOMEM;
    if (gi == gj) {
      g_remove(s, gi, ii > ij ? ii : ij);
      g_remove(s, gi, ii > ij ? ij : ii);
    } else {
      g_remove(s, gi, ii);
      g_remove(s, gj, ij);
    }
    g_push(s, gc, (uint32_t)c);
  }
  account(s, a, b, c);
  return SK_OK;
}

/* Row sums R_g for every group (empty ones too: a particle may enter them),
 * and S. */
static void gen_refresh(sk_ml *s) {
  double S = 0;
  for (int g = 0; g < CL_NGROUPS; ++g) {
    double r = 0;
    for (int h = 0; h <= s->gtop; ++h) r += s->khat[g][h] * (double)s->g[h].n;
    s->R[g] = r;
    S += (double)s->g[g].n * r;
  }
  s->S = S;
  s->since_refresh = 0;
}

static void gen_count_changed(sk_ml *s, int h, double delta) {
  for (int g = 0; g < CL_NGROUPS; ++g) s->R[g] += delta * s->khat[g][h];
}

/* The group g with probability n_g R_g / S (u uniform on [0, S)), and the
 * group h with probability K^(g, h) n_h / R_g (u uniform on [0, R_g)).
 * Rounding at the top end goes to the last group of positive weight. */
static inline int pick_row(const sk_ml *s, double u) {
  int last = -1;
  for (int q = 0; q <= s->gtop; ++q) {
    double wq = (double)s->g[q].n * s->R[q];
    if (wq > 0) {
      last = q;
      if (u < wq) return q;
      u -= wq;
    }
  }
  return last;
}

static inline int pick_col(const sk_ml *s, int g, double u) {
  int last = -1;
  for (int q = 0; q <= s->gtop; ++q) {
    double wq = s->khat[g][q] * (double)s->g[q].n;
    if (wq > 0) {
      last = q;
      if (u < wq) return q;
      u -= wq;
    }
  }
  return last;
}

static int advance_general(sk_ml *s, double T, sk_error *err) {
  const sk_ml_kernel *K = s->K;
  while (s->t < T) {
    double S = s->S;
    if (s->n <= 1 || !(S > 0)) {
      s->t = T;
      break;
    }
    double dt = cl_exp(&s->seq) * (2 * s->V) / S;
    if (s->t + dt >= T) { /* memoryless: the overshoot is discarded */
      s->t = T;
      break;
    }
    s->t += dt;
    s->proposals++;
    int g = pick_row(s, cl_unif(&s->seq) * S);
    if (g < 0) return sk_error_set(err, SK_EINTERNAL, "general sampler: no group to propose");
    int h = pick_col(s, g, cl_unif(&s->seq) * s->R[g]);
    if (h < 0) return sk_error_set(err, SK_EINTERNAL, "general sampler: no partner group");
    uint64_t i = cl_below(cl_u64(&s->seq), s->g[g].n, &s->seq);
    uint64_t j = cl_below(cl_u64(&s->seq), s->g[h].n, &s->seq);
    double acc = cl_unif(&s->seq);
    if (g == h && i == j) continue;
    uint64_t mi = s->g[g].a[i], mj = s->g[h].a[j];
    double kv = sk_ml_kernel_eval(K, mi, mj), kh = s->khat[g][h];
    if (!(kv <= kh) || !(kv >= 0))
      return sk_error_set(err, SK_EINTERNAL,
                          "kernel %s: K(%llu, %llu) = %.17g exceeds its bound %.17g over mass "
                          "groups [%llu, %llu] x [%llu, %llu] (or is negative or NaN)",
                          K->name, (unsigned long long)mi, (unsigned long long)mj, kv, kh,
                          1ull << g, (2ull << g) - 1, 1ull << h, (2ull << h) - 1);
    if (!(acc * kh < kv)) continue;
    int gc = cl_log2(mi + mj);
    if (g_merge(s, g, i, h, j)) return sk_error_set(err, SK_ENOMEM, "out of memory");
    if (++s->since_refresh >= REFRESH) {
      gen_refresh(s);
    } else {
      gen_count_changed(s, g, -1);
      gen_count_changed(s, h, -1);
      gen_count_changed(s, gc, +1);
      double S2 = 0;
      for (int q = 0; q <= s->gtop; ++q) S2 += (double)s->g[q].n * s->R[q];
      s->S = S2;
    }
  }
  return SK_OK;
}

/* K^(g, h): the classical kernels increase in both masses, so their maximum
 * over two groups is at the groups' largest masses; other kernels give their
 * own sound bound. Masses above min(M, nmax) never coagulate. */
static void khat_fill(sk_ml *s) {
  const sk_ml_kernel *K = s->K;
  uint64_t top = s->M < K->nmax ? s->M : K->nmax;
  for (int g = 0; g < CL_NGROUPS; ++g)
    for (int h = 0; h < CL_NGROUPS; ++h) {
      uint64_t glo = 1ull << g, ghi = (2ull << g) - 1, hlo = 1ull << h, hhi = (2ull << h) - 1;
      if (ghi > top) ghi = top;
      if (hhi > top) hhi = top;
      double b = 0;
      if (glo <= ghi && hlo <= hhi)
        b = K->kind >= 0 ? sk_ml_kernel_eval(K, ghi, hhi) : K->bound(K->ctx, glo, ghi, hlo, hhi);
      s->khat[g][h] = b;
    }
}

/* ------------------------------------------------------------- life cycle */

int sk_ml_reset(sk_ml *s, uint64_t seed, uint64_t replica, sk_error *err) {
  s->t = 0;
  s->events = s->proposals = 0;
  s->n = s->N;
  s->M2 = 0;
  s->mmax = 0;
  s->tail_n = s->tail_m = 0;
  memset(s->hist, 0, (s->hmax + 1) * sizeof *s->hist);
  for (size_t i = 0; i < s->ninit; ++i) {
    uint64_t m = i + 1, c = s->init[i];
    if (!c) continue;
    s->M2 += c * m * m;
    s->mmax = m;
    if (m <= s->hmax) {
      s->hist[m] = (uint32_t)c;
    } else {
      s->tail_n += c;
      s->tail_m += c * m;
    }
  }
  if (s->mode == MODE_CONST) {
    uint64_t pos = 0;
    for (size_t i = 0; i < s->ninit; ++i)
      for (uint64_t c = 0; c < s->init[i]; ++c) s->a[pos++] = (uint32_t)(i + 1);
  } else if (s->mode == MODE_ADD || s->mode == MODE_MUL) {
    /* each particle of mass m is a star of m atoms around its first atom */
    uint64_t atom = 0, k = 0;
    if (s->ninit == 1) memset(s->par, 0xff, s->M * sizeof *s->par); /* all -1 */
    for (size_t i = 0; i < s->ninit; ++i) {
      uint64_t m = i + 1;
      for (uint64_t c = 0; c < s->init[i]; ++c) {
        s->par[atom] = -(int32_t)m;
        for (uint64_t q = 1; q < m; ++q) s->par[atom + q] = (int32_t)atom;
        if (s->roots) s->roots[k] = (uint32_t)atom;
        ++k;
        atom += m;
      }
    }
    s->nroots = k;
  } else {
    for (int g = 0; g < CL_NGROUPS; ++g) s->g[g].n = 0;
    s->gtop = 0;
    for (size_t i = 0; i < s->ninit; ++i) {
      int g = cl_log2(i + 1);
      if (g_reserve(s, g, s->g[g].n + s->init[i]))
        return sk_error_set(err, SK_ENOMEM, "out of memory for %llu particles",
                            (unsigned long long)s->N);
      for (uint64_t c = 0; c < s->init[i]; ++c) g_push(s, g, (uint32_t)(i + 1));
    }
    gen_refresh(s);
  }
  s->key.v[0] = seed;
  s->key.v[1] = replica;
  s->pgen = s->puse = 0;
  cl_stream_init(&s->extra, seed, replica, CL_DOM_ML_EXTRA);
  cl_stream_init(&s->seq, seed, replica, CL_DOM_ML_MAIN);
  return SK_OK;
}

int sk_ml_create(const sk_ml_kernel *k, const sk_ml_config *cfg, uint64_t seed,
                 uint64_t replica, sk_ml **out, sk_error *err) {
  *out = NULL;
  if (!k || !cfg) return sk_error_set(err, SK_EINVAL, "sk_ml_create: no kernel or config");
  if (cfg->N < 1 || cfg->N > SK_ML_MASS_MAX)
    return sk_error_set(err, SK_ERANGE,
                        "N = %llu: the Marcus-Lushnikov process needs 1 <= N <= %llu",
                        (unsigned long long)cfg->N, SK_ML_MASS_MAX);
  if (!(cfg->volume >= 0) || !isfinite(cfg->volume))
    return sk_error_set(err, SK_EINVAL, "volume %g: expected a positive number (or 0 for V = N)",
                        cfg->volume);
  if (cfg->hist_max < 1) return sk_error_set(err, SK_EINVAL, "hist_max must be >= 1");
  size_t ni = 1;
  uint64_t mass = cfg->N;
  if (cfg->init_counts) {
    ni = cfg->ninit;
    while (ni > 0 && cfg->init_counts[ni - 1] == 0) --ni;
    uint64_t tot = 0;
    __uint128_t ms = 0;
    for (size_t i = 0; i < ni; ++i) {
      tot += cfg->init_counts[i];
      ms += (__uint128_t)cfg->init_counts[i] * (i + 1);
    }
    if (tot != cfg->N)
      return sk_error_set(err, SK_EINVAL, "initial counts sum to %llu, not N = %llu",
                          (unsigned long long)tot, (unsigned long long)cfg->N);
    if (ms > SK_ML_MASS_MAX)
      return sk_error_set(err, SK_ERANGE, "total initial mass exceeds %llu", SK_ML_MASS_MAX);
    mass = (uint64_t)ms;
  }
  sk_ml *s = calloc(1, sizeof *s);
  if (!s) return sk_error_set(err, SK_ENOMEM, "out of memory");
  s->K = k;
  s->N = cfg->N;
  s->M = mass;
  s->V = cfg->volume > 0 ? cfg->volume : (double)cfg->N;
  s->kscale = k->scale;
  s->ninit = ni;
  s->init = malloc(ni * sizeof *s->init);
  if (!s->init) {
    free(s);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  if (cfg->init_counts)
    memcpy(s->init, cfg->init_counts, ni * sizeof *s->init);
  else
    s->init[0] = cfg->N;

  if (k->kind >= 0 && cfg->sampler == SK_ML_SAMPLER_AUTO)
    s->mode = k->kind == SK_COAG_CONSTANT   ? MODE_CONST
              : k->kind == SK_COAG_ADDITIVE ? MODE_ADD
                                            : MODE_MUL;
  else
    s->mode = MODE_GENERAL;

  s->hmax = cfg->hist_max < s->M ? cfg->hist_max : s->M;
  s->hist = calloc(s->hmax + 1, sizeof *s->hist);
  int ok = s->hist != NULL;
  if (ok && s->mode == MODE_CONST) ok = (s->a = big_alloc(s->N * sizeof *s->a)) != NULL;
  if (ok && (s->mode == MODE_ADD || s->mode == MODE_MUL))
    ok = (s->par = big_alloc(s->M * sizeof *s->par)) != NULL;
  if (ok && s->mode == MODE_ADD)
    ok = (s->roots = big_alloc(s->N * sizeof *s->roots)) != NULL;
  if (!ok) {
    sk_ml_free(s);
    return sk_error_set(err, SK_ENOMEM, "out of memory for N = %llu particles",
                        (unsigned long long)cfg->N);
  }
  if (s->mode == MODE_GENERAL) khat_fill(s);
  int rc = sk_ml_reset(s, seed, replica, err);
  if (rc) {
    sk_ml_free(s);
    return rc;
  }
  *out = s;
  return SK_OK;
}

void sk_ml_free(sk_ml *s) {
  if (!s) return;
  free(s->a);
  free(s->par);
  free(s->roots);
  for (int g = 0; g < CL_NGROUPS; ++g) free(s->g[g].a);
  free(s->hist);
  free(s->init);
  free(s);
}

int sk_ml_advance(sk_ml *s, double T, sk_error *err) {
  if (!(T >= s->t) || !isfinite(T))
    return sk_error_set(err, SK_EINVAL, "advance to t = %g: before the current time %g", T, s->t);
  if (s->mode == MODE_GENERAL) return advance_general(s, T, err);
  advance_fast(s, T);
  return SK_OK;
}

/* ------------------------------------------------------------------ getters */

double sk_ml_time(const sk_ml *s) { return s->t; }
double sk_ml_volume(const sk_ml *s) { return s->V; }
uint64_t sk_ml_particles(const sk_ml *s) { return s->n; }
uint64_t sk_ml_total_mass(const sk_ml *s) { return s->M; }
uint64_t sk_ml_sum_squares(const sk_ml *s) { return s->M2; }
uint64_t sk_ml_max_mass(const sk_ml *s) { return s->mmax; }
uint64_t sk_ml_count(const sk_ml *s, uint64_t m) {
  return m >= 1 && m <= s->hmax ? s->hist[m] : 0;
}
uint64_t sk_ml_hist_max(const sk_ml *s) { return s->hmax; }
uint64_t sk_ml_tail_count(const sk_ml *s) { return s->tail_n; }
uint64_t sk_ml_tail_mass(const sk_ml *s) { return s->tail_m; }
uint64_t sk_ml_events(const sk_ml *s) { return s->events; }
uint64_t sk_ml_proposals(const sk_ml *s) { return s->proposals; }
const char *sk_ml_sampler_name(const sk_ml *s) { return mode_names[s->mode]; }

size_t sk_ml_bytes(const sk_ml *s) {
  size_t b = sizeof *s + (s->hmax + 1) * sizeof *s->hist + s->ninit * sizeof *s->init;
  if (s->a) b += s->N * sizeof *s->a;
  if (s->par) b += s->M * sizeof *s->par;
  if (s->roots) b += s->N * sizeof *s->roots;
  for (int g = 0; g < CL_NGROUPS; ++g) b += s->g[g].cap * sizeof *s->g[g].a;
  return b;
}

/* --------------------------------------------------------------- invariants */

int sk_ml_check(const sk_ml *s, sk_error *err) {
  uint64_t *h = calloc(s->hmax + 1, sizeof *h);
  if (!h) return sk_error_set(err, SK_ENOMEM, "out of memory");
  uint64_t n = 0, M = 0, M2 = 0, mx = 0, tn = 0, tm = 0;
  int rc = SK_OK;
#define VISIT(m)          \
  do {                    \
    uint64_t m_ = (m);    \
    n++;                  \
    M += m_;              \
    M2 += m_ * m_;        \
    if (m_ > mx) mx = m_; \
    if (m_ <= s->hmax)    \
      h[m_]++;            \
    else {                \
      tn++;               \
      tm += m_;           \
    }                     \
  } while (0)
  if (s->mode == MODE_CONST) {
    for (uint64_t i = 0; i < s->n; ++i) VISIT(s->a[i]);
  } else if (s->mode == MODE_GENERAL) {
    for (int g = 0; g < CL_NGROUPS; ++g) {
      if (s->g[g].n > 0 && g > s->gtop && !rc)
        rc = sk_error_set(err, SK_EINTERNAL, "group %d is above gtop %d", g, s->gtop);
      for (uint64_t i = 0; i < s->g[g].n; ++i) {
        uint64_t m = s->g[g].a[i];
        if ((m == 0 || cl_log2(m) != g) && !rc)
          rc = sk_error_set(err, SK_EINTERNAL, "mass %llu in group %d", (unsigned long long)m, g);
        VISIT(m);
      }
    }
  } else {
    /* every atom's tree must end at a root; a root's mass is its atom count */
    uint64_t *cnt = calloc(s->M, sizeof *cnt);
    if (!cnt) {
      free(h);
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    }
    for (uint64_t x = 0; x < s->M && !rc; ++x) {
      uint64_t y = x, steps = 0;
      while (s->par[y] >= 0 && steps++ <= s->M) y = (uint64_t)s->par[y];
      if (steps > s->M) rc = sk_error_set(err, SK_EINTERNAL, "cycle in the atom forest");
      cnt[y]++;
    }
    uint64_t nroots = 0;
    for (uint64_t x = 0; x < s->M && !rc; ++x) {
      if (s->par[x] >= 0) continue;
      if ((uint64_t)-(int64_t)s->par[x] != cnt[x])
        rc = sk_error_set(err, SK_EINTERNAL, "root %llu: mass %lld but %llu atoms",
                          (unsigned long long)x, -(long long)s->par[x], (unsigned long long)cnt[x]);
      VISIT(cnt[x]);
      nroots++;
    }
    if (s->roots && !rc) {
      /* the live entries of the list are exactly the roots, once each */
      uint64_t live = 0;
      for (uint64_t i = 0; i < s->nroots && !rc; ++i) {
        uint32_t r = s->roots[i];
        if (r == DEAD) continue;
        live++;
        if (r >= s->M || s->par[r] >= 0 || cnt[r] == UINT64_MAX)
          rc = sk_error_set(err, SK_EINTERNAL, "list entry %llu is not a root (or repeated)",
                            (unsigned long long)i);
        else
          cnt[r] = UINT64_MAX;
      }
      if (!rc && live != nroots)
        rc = sk_error_set(err, SK_EINTERNAL, "list of roots holds %llu of %llu roots",
                          (unsigned long long)live, (unsigned long long)nroots);
    }
    free(cnt);
  }
#undef VISIT
  if (!rc && n != s->n)
    rc = sk_error_set(err, SK_EINTERNAL, "particle count %llu != %llu", (unsigned long long)n,
                      (unsigned long long)s->n);
  if (!rc && M != s->M) rc = sk_error_set(err, SK_EINTERNAL, "mass not conserved");
  if (!rc && M2 != s->M2) rc = sk_error_set(err, SK_EINTERNAL, "sum of squares");
  if (!rc && mx != s->mmax) rc = sk_error_set(err, SK_EINTERNAL, "largest mass");
  if (!rc && (tn != s->tail_n || tm != s->tail_m)) rc = sk_error_set(err, SK_EINTERNAL, "tail");
  for (uint64_t m = 1; !rc && m <= s->hmax; ++m)
    if (h[m] != s->hist[m])
      rc = sk_error_set(err, SK_EINTERNAL, "histogram at mass %llu", (unsigned long long)m);
  free(h);
  return rc;
}
