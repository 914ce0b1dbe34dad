/* The reference Brownian-dynamics engine "bd".
 *
 * Fixed step dt = c eps^2 / max dif (the last step before a report time is
 * shortened to land on it). One step of length h:
 *   1. every pair within the largest interaction range R reacts with
 *      probability 1 - exp(-rate h); its uniform comes from Philox keyed by
 *      (seed, pair = id_lo * N + id_hi, counter = (step, replica)), so it is
 *      drawn only for pairs in range;
 *   2. the reacting pairs are applied in a deterministic order (by that
 *      uniform, then by ids); a pair whose partner already reacted in this
 *      step is dropped (counted as a conflict: the survivor's partner changed
 *      within dt, an O(dt) effect);
 *   3. each particle moves by sqrt(2 dif(m) h) times standard normals from
 *      Philox keyed by (seed, id, (step, replica)) (an exact ziggurat on
 *      64-bit words, pnormal.h).
 * Pairs are found with cell lists and a Verlet list: the particles are
 * counting-sorted into cells of side >= Rc = R + skin (about one particle per
 * cell, O(N)), every pair closer than Rc is listed, and each step checks only
 * the listed pairs. The list is rebuilt when R + 2 (largest displacement since
 * the build) exceeds Rc (so no pair within R can be missing), after every
 * reaction, and when R grows. The skin is half the mean interparticle
 * distance, so rebuilds are rare and each step costs O(N).
 * Nothing depends on the number of threads: motion draws are per particle,
 * reaction draws per pair, and candidates are sorted before they are applied.
 */
#include <Random123/philox.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "particles/particles_internal.h"
#include "particles/pnormal.h"
#include "smolkin/rng.h"


typedef struct cand {
  double u, u2;
  int64_t idlo, idhi;
  size_t ilo, ihi;
} cand;

typedef struct candbuf {
  cand *c;
  size_t n, cap;
  long long checks, inrange;
  char pad[64];
} candbuf;

typedef struct pairbuf {
  uint32_t *p; /* pairs (i, j) */
  size_t n, cap;
  long long checks;
  int oom;
  char pad[64];
} pairbuf;

typedef struct bd {
  size_t cap;
  double *xs;
  int64_t *ms, *ids;
  uint32_t *cell;
  size_t *start; /* ncell + 1 */
  size_t ncell, ncell_cap;
  int nc[SK_MAX_DIM];
  double lo[SK_MAX_DIM], inv_h[SK_MAX_DIM];
  size_t stride[SK_MAX_DIM];
  unsigned char *dead;
  candbuf *buf;
  pairbuf *pbuf;
  int nbuf;
  cand *all;
  size_t all_cap;
  /* Verlet list */
  uint32_t *list;
  size_t nlist, list_cap;
  double *acc;     /* displacement since the build, acc[k * cap + i] */
  double Rc, maxdisp;
  int valid;
  double tmax[256];
  long long rebuilds;
} bd;

static void bd_free(void *state) {
  bd *b = state;
  if (!b) return;
  free(b->xs);
  free(b->ms);
  free(b->ids);
  free(b->cell);
  free(b->start);
  free(b->dead);
  if (b->buf)
    for (int i = 0; i < b->nbuf; ++i) free(b->buf[i].c);
  free(b->buf);
  if (b->pbuf)
    for (int i = 0; i < b->nbuf; ++i) free(b->pbuf[i].p);
  free(b->pbuf);
  free(b->all);
  free(b->list);
  free(b->acc);
  free(b);
}

static int bd_create(sk_particles *ps, void **state, sk_error *err) {
  sk_zig_init();
  bd *b = calloc(1, sizeof *b);
  if (!b) return sk_error_set(err, SK_ENOMEM, "out of memory");
  b->cap = ps->cap;
  b->xs = malloc(ps->cap * (size_t)ps->d * sizeof *b->xs);
  b->ms = malloc(ps->cap * sizeof *b->ms);
  b->ids = malloc(ps->cap * sizeof *b->ids);
  b->cell = malloc(ps->cap * sizeof *b->cell);
  b->dead = calloc(ps->cap, 1);
  b->acc = calloc(ps->cap * (size_t)ps->d, sizeof *b->acc);
  b->ncell_cap = 4 * ps->cap + 64;
  if (b->ncell_cap > UINT32_MAX - 1) b->ncell_cap = UINT32_MAX - 1; /* cell ids are 32-bit */
  b->start = malloc((b->ncell_cap + 1) * sizeof *b->start);
  if (!b->xs || !b->ms || !b->ids || !b->cell || !b->dead || !b->start || !b->acc) {
    bd_free(b);
    return sk_error_set(err, SK_ENOMEM, "out of memory for %zu particles", ps->cap);
  }
  *state = b;
  return SK_OK;
}

static int ensure_bufs(bd *b, int nt, sk_error *err) {
  if (b->nbuf >= nt) return SK_OK;
  candbuf *nb = realloc(b->buf, (size_t)nt * sizeof *nb);
  if (!nb) return sk_error_set(err, SK_ENOMEM, "out of memory");
  b->buf = nb;
  pairbuf *pb = realloc(b->pbuf, (size_t)nt * sizeof *pb);
  if (!pb) return sk_error_set(err, SK_ENOMEM, "out of memory");
  b->pbuf = pb;
  for (int i = b->nbuf; i < nt; ++i) {
    memset(&nb[i], 0, sizeof nb[i]);
    memset(&pb[i], 0, sizeof pb[i]);
  }
  b->nbuf = nt;
  return SK_OK;
}

static inline void push(candbuf *cb, const cand *c) {
  if (cb->n == cb->cap) {
    size_t nc = cb->cap ? 2 * cb->cap : 64;
    cand *p = realloc(cb->c, nc * sizeof *p);
    if (!p) {
      cb->cap = (size_t)-1; /* marks the failure; checked after the loop */
      return;
    }
    cb->c = p;
    cb->cap = nc;
  }
  cb->c[cb->n++] = *c;
}

static inline void ppush(pairbuf *pb, size_t i, size_t j) {
  if (pb->n + 2 > pb->cap) {
    size_t nc = pb->cap ? 2 * pb->cap : 256;
    uint32_t *p = realloc(pb->p, nc * sizeof *p);
    if (!p) {
      pb->oom = 1;
      return;
    }
    pb->p = p;
    pb->cap = nc;
  }
  pb->p[pb->n++] = (uint32_t)i;
  pb->p[pb->n++] = (uint32_t)j;
}

/* Cell grid for the current positions: side >= R, about one particle per cell. */
static void grid(sk_particles *ps, bd *b, double R) {
  int d = ps->d;
  size_t n = ps->n, cap = ps->cap;
  double ext[SK_MAX_DIM];
  if (ps->torus) {
    for (int k = 0; k < d; ++k) {
      b->lo[k] = 0;
      ext[k] = ps->box;
    }
  } else {
    for (int k = 0; k < d; ++k) {
      const double *xk = ps->x + (size_t)k * cap;
      double lo = xk[0], hi = xk[0];
      for (size_t i = 1; i < n; ++i) {
        lo = xk[i] < lo ? xk[i] : lo;
        hi = xk[i] > hi ? xk[i] : hi;
      }
      b->lo[k] = lo;
      ext[k] = hi - lo;
    }
  }
  double vol = 1;
  for (int k = 0; k < d; ++k) vol *= ext[k] > R ? ext[k] : R;
  double h = pow(vol / (double)(n ? n : 1), 1.0 / d);
  if (h < R) h = R;
  for (;;) {
    double tot = 1;
    for (int k = 0; k < d; ++k) {
      double c = ps->torus ? floor(ps->box / h) : floor(ext[k] / h) + 1;
      if (c < 1) c = 1;
      tot *= c;
    }
    if (tot <= (double)b->ncell_cap) break;
    h *= 1.25;
  }
  size_t s = 1;
  for (int k = 0; k < d; ++k) {
    int c;
    if (ps->torus) {
      c = (int)floor(ps->box / h);
      if (c < 1) c = 1;
      b->inv_h[k] = c / ps->box; /* cell side box/c >= h >= R */
    } else {
      c = (int)floor(ext[k] / h) + 1;
      b->inv_h[k] = 1.0 / h;
    }
    b->nc[k] = c;
    b->stride[k] = s;
    s *= (size_t)c;
  }
  b->ncell = s;
}

/* Counting sort of the living particles by cell (stable, serial). */
static void sort_cells(sk_particles *ps, bd *b) {
  int d = ps->d;
  size_t n = ps->n, cap = ps->cap;
  for (size_t i = 0; i < n; ++i) {
    size_t c = 0;
    for (int k = 0; k < d; ++k) {
      long q = (long)((ps->x[(size_t)k * cap + i] - b->lo[k]) * b->inv_h[k]);
      if (q < 0) q = 0;
      if (q >= b->nc[k]) q = b->nc[k] - 1;
      c += (size_t)q * b->stride[k];
    }
    b->cell[i] = (uint32_t)c;
  }
  memset(b->start, 0, (b->ncell + 1) * sizeof *b->start);
  for (size_t i = 0; i < n; ++i) b->start[b->cell[i] + 1]++;
  for (size_t c = 0; c < b->ncell; ++c) b->start[c + 1] += b->start[c];
  /* scatter, using cell[] as running positions via a copy of start */
  size_t *pos = b->start; /* advanced below, then restored */
  for (size_t i = 0; i < n; ++i) {
    size_t j = pos[b->cell[i]]++;
    for (int k = 0; k < d; ++k) b->xs[(size_t)k * cap + j] = ps->x[(size_t)k * cap + i];
    b->ms[j] = ps->mass[i];
    b->ids[j] = ps->id[i];
  }
  /* pos[c] is now the end of cell c = start of c+1: shift back */
  for (size_t c = b->ncell; c > 0; --c) b->start[c] = b->start[c - 1];
  b->start[0] = 0;
  double *tx = ps->x;
  ps->x = b->xs;
  b->xs = tx;
  int64_t *tm = ps->mass;
  ps->mass = b->ms;
  b->ms = tm;
  int64_t *ti = ps->id;
  ps->id = b->ids;
  b->ids = ti;
}

/* Neighbour coordinates of c along one axis (deduplicated). */
static inline int axis_neighbours(const sk_particles *ps, int c, int nc, int out[3]) {
  if (ps->torus) {
    if (nc == 1) {
      out[0] = 0;
      return 1;
    }
    if (nc == 2) {
      out[0] = 0;
      out[1] = 1;
      return 2;
    }
    out[0] = c == 0 ? nc - 1 : c - 1;
    out[1] = c;
    out[2] = c == nc - 1 ? 0 : c + 1;
    return 3;
  }
  int k = 0;
  if (c > 0) out[k++] = c - 1;
  out[k++] = c;
  if (c + 1 < nc) out[k++] = c + 1;
  return k;
}

static inline double pair_uniform(uint64_t seed, uint64_t key, uint64_t step, uint64_t replica,
                                  double *u2) {
  philox4x64_ctr_t c = {{step, replica, 0, SK_PDOM_PAIR}};
  philox4x64_key_t k = {{seed, key}};
  philox4x64_ctr_t o = philox4x64(c, k);
  *u2 = sk_u64_to_unit(o.v[1]);
  return sk_u64_to_unit(o.v[0]);
}

/* Pairs of cell c with cells of index >= c closer than sqrt(Rc2). */
static void cell_pairs(sk_particles *ps, bd *b, size_t c, double Rc2, pairbuf *pb) {
  int d = ps->d;
  size_t cap = ps->cap;
  size_t s0 = b->start[c], s1 = b->start[c + 1];
  if (s0 == s1) return;
  int cc[SK_MAX_DIM], nb[SK_MAX_DIM][3], nn[SK_MAX_DIM], odo[SK_MAX_DIM];
  size_t rem = c;
  for (int k = d - 1; k >= 0; --k) {
    cc[k] = (int)(rem / b->stride[k]);
    rem -= (size_t)cc[k] * b->stride[k];
  }
  for (int k = 0; k < d; ++k) {
    nn[k] = axis_neighbours(ps, cc[k], b->nc[k], nb[k]);
    odo[k] = 0;
  }
  double half = 0.5 * ps->box;
  const double *x = ps->x;
  for (;;) {
    size_t c2 = 0;
    for (int k = 0; k < d; ++k) c2 += (size_t)nb[k][odo[k]] * b->stride[k];
    if (c2 >= c) {
      size_t t0 = b->start[c2], t1 = b->start[c2 + 1];
      for (size_t i = s0; i < s1; ++i) {
        size_t j0 = c2 == c ? i + 1 : t0;
        for (size_t j = j0; j < t1; ++j) {
          double r2 = 0;
          for (int k = 0; k < d; ++k) {
            double v = x[(size_t)k * cap + j] - x[(size_t)k * cap + i];
            if (ps->torus) {
              if (v > half)
                v -= ps->box;
              else if (v < -half)
                v += ps->box;
            }
            r2 += v * v;
          }
          pb->checks++;
          if (r2 <= Rc2) ppush(pb, i, j);
        }
      }
    }
    int k = 0;
    while (k < d && ++odo[k] == nn[k]) odo[k++] = 0;
    if (k == d) break;
  }
}

/* The common case d = 3 with at least 3 cells per axis on the torus (or any
 * whole-space grid): the half shell of 13 neighbour cells plus the cell
 * itself, so that each pair is met once with no per-cell bookkeeping. */
static const int half_shell[13][3] = {{1, 0, 0},  {-1, 1, 0}, {0, 1, 0},  {1, 1, 0},  {-1, -1, 1},
                                      {0, -1, 1}, {1, -1, 1}, {-1, 0, 1}, {0, 0, 1},  {1, 0, 1},
                                      {-1, 1, 1}, {0, 1, 1},  {1, 1, 1}};

static void cell_pairs3(sk_particles *ps, bd *b, size_t c, double Rc2, pairbuf *pb) {
  size_t cap = ps->cap;
  size_t s0 = b->start[c], s1 = b->start[c + 1];
  if (s0 == s1) return;
  const double *x0 = ps->x, *x1 = ps->x + cap, *x2 = ps->x + 2 * cap;
  int n0 = b->nc[0], n1 = b->nc[1], n2 = b->nc[2];
  int c2z = (int)(c / b->stride[2]);
  int c1y = (int)((c - (size_t)c2z * b->stride[2]) / b->stride[1]);
  int c0x = (int)(c - (size_t)c2z * b->stride[2] - (size_t)c1y * b->stride[1]);
  int torus = ps->torus;
  double L = ps->box, half = 0.5 * L;
  long long checks = 0;
  for (size_t i = s0; i < s1; ++i) /* the cell itself */
    for (size_t j = i + 1; j < s1; ++j) {
      double d0 = x0[j] - x0[i], d1 = x1[j] - x1[i], d2 = x2[j] - x2[i];
      if (torus) {
        d0 = d0 > half ? d0 - L : (d0 < -half ? d0 + L : d0);
        d1 = d1 > half ? d1 - L : (d1 < -half ? d1 + L : d1);
        d2 = d2 > half ? d2 - L : (d2 < -half ? d2 + L : d2);
      }
      ++checks;
      if (d0 * d0 + d1 * d1 + d2 * d2 <= Rc2) ppush(pb, i, j);
    }
  for (int q = 0; q < 13; ++q) {
    int a = c0x + half_shell[q][0], bq = c1y + half_shell[q][1], cz = c2z + half_shell[q][2];
    double sh0 = 0, sh1 = 0, sh2 = 0; /* periodic shift of the neighbour cell */
    if (torus) {
      if (a < 0) a += n0, sh0 = -L;
      else if (a >= n0) a -= n0, sh0 = L;
      if (bq < 0) bq += n1, sh1 = -L;
      else if (bq >= n1) bq -= n1, sh1 = L;
      if (cz < 0) cz += n2, sh2 = -L;
      else if (cz >= n2) cz -= n2, sh2 = L;
    } else if (a < 0 || a >= n0 || bq < 0 || bq >= n1 || cz < 0 || cz >= n2)
      continue;
    size_t c2 = (size_t)a + (size_t)bq * b->stride[1] + (size_t)cz * b->stride[2];
    size_t t0 = b->start[c2], t1 = b->start[c2 + 1];
    if (t0 == t1) continue;
    for (size_t i = s0; i < s1; ++i) {
      double y0 = x0[i] - sh0, y1 = x1[i] - sh1, y2 = x2[i] - sh2;
      for (size_t j = t0; j < t1; ++j) {
        double d0 = x0[j] - y0, d1 = x1[j] - y1, d2 = x2[j] - y2;
        ++checks;
        if (d0 * d0 + d1 * d1 + d2 * d2 <= Rc2) ppush(pb, i, j);
      }
    }
  }
  pb->checks += checks;
}

static int cand_cmp(const void *pa, const void *pb) {
  const cand *a = pa, *b = pb;
  if (a->u != b->u) return a->u < b->u ? -1 : 1;
  if (a->idlo != b->idlo) return a->idlo < b->idlo ? -1 : 1;
  if (a->idhi != b->idhi) return a->idhi < b->idhi ? -1 : 1;
  return 0;
}

/* Moves every particle; returns the largest displacement since the list
 * was built (exact max: no dependence on the thread count). */
static double move(sk_particles *ps, bd *b, double h, int nt) {
  int d = ps->d;
  size_t n = ps->n, cap = ps->cap;
  double s2h = sqrt(2.0 * h);
  uint64_t step = (uint64_t)ps->step, rep = ps->replica, seed = ps->seed;
  double L = ps->box;
  int torus = ps->torus;
  double *x = ps->x, *acc = b->acc;
  if (nt > 256) nt = 256;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    int tid = nt > 1 ? omp_get_thread_num() : 0, nth = nt > 1 ? omp_get_num_threads() : 1;
    size_t chunk = (n + (size_t)nth - 1) / (size_t)nth;
    size_t i0 = (size_t)tid * chunk, i1 = i0 + chunk < n ? i0 + chunk : n;
    double mx = 0;
    for (size_t i = i0; i < i1; ++i) {
      double sd = s2h * sk_p_sqrtdif(ps, ps->mass[i]);
      sk_pstream st;
      sk_pstream_init(&st, seed, (uint64_t)ps->id[i], step, rep, SK_PDOM_MOVE);
      double r2 = 0;
      for (int k = 0; k < d; ++k) {
        double dz = sd * sk_pstream_normal(&st);
        double a = acc[(size_t)k * cap + i] + dz;
        acc[(size_t)k * cap + i] = a;
        r2 += a * a;
        double v = x[(size_t)k * cap + i] + dz;
        if (torus) {
          if (v >= L)
            v -= L;
          else if (v < 0)
            v += L;
          if (v >= L || v < 0) { /* a jump of more than a box side */
            v = fmod(v, L);
            if (v < 0) v += L;
            if (v >= L) v = 0;
          }
        }
        x[(size_t)k * cap + i] = v;
      }
      if (r2 > mx) mx = r2;
    }
    b->tmax[tid] = mx;
  }
  double mx = 0;
  for (int q = 0; q < nt; ++q)
    if (b->tmax[q] > mx) mx = b->tmax[q];
  return sqrt(mx);
}

/* Sorts into cells of side >= Rc and lists every pair closer than Rc. */
static int rebuild(sk_particles *ps, bd *b, double R, int nt, sk_error *err) {
  int d = ps->d;
  size_t n = ps->n;
  double vol = 1;
  if (ps->torus)
    vol = pow(ps->box, d);
  else {
    for (int k = 0; k < d; ++k) {
      const double *xk = ps->x + (size_t)k * ps->cap;
      double lo = xk[0], hi = xk[0];
      for (size_t i = 1; i < n; ++i) {
        lo = xk[i] < lo ? xk[i] : lo;
        hi = xk[i] > hi ? xk[i] : hi;
      }
      vol *= hi - lo > R ? hi - lo : R;
    }
  }
  double a = pow(vol / (double)n, 1.0 / d); /* mean interparticle distance */
  double Rc = R + 0.5 * a;
  if (ps->torus && Rc > 0.49 * ps->box) Rc = 0.49 * ps->box > R ? 0.49 * ps->box : R;
  grid(ps, b, Rc);
  sort_cells(ps, b);
  double Rc2 = Rc * Rc;
  size_t ncell = b->ncell;
  int fast3 = d == 3 && (!ps->torus || (b->nc[0] >= 3 && b->nc[1] >= 3 && b->nc[2] >= 3));
  for (int q = 0; q < nt; ++q) b->pbuf[q].n = 0, b->pbuf[q].checks = 0, b->pbuf[q].oom = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    pairbuf *pb = &b->pbuf[nt > 1 ? omp_get_thread_num() : 0];
    if (fast3) {
#pragma omp for schedule(static)
      for (size_t c = 0; c < ncell; ++c) cell_pairs3(ps, b, c, Rc2, pb);
    } else {
#pragma omp for schedule(static)
      for (size_t c = 0; c < ncell; ++c) cell_pairs(ps, b, c, Rc2, pb);
    }
  }
  size_t tot = 0;
  for (int q = 0; q < nt; ++q) {
    if (b->pbuf[q].oom) return sk_error_set(err, SK_ENOMEM, "out of memory for the pair list");
    tot += b->pbuf[q].n;
    ps->cnt.pair_checks += b->pbuf[q].checks;
  }
  if (tot > b->list_cap) {
    uint32_t *p = realloc(b->list, tot * sizeof *p);
    if (!p) return sk_error_set(err, SK_ENOMEM, "out of memory for the pair list");
    b->list = p;
    b->list_cap = tot;
  }
  size_t k = 0;
  for (int q = 0; q < nt; ++q) {
    if (b->pbuf[q].n) memcpy(b->list + k, b->pbuf[q].p, b->pbuf[q].n * sizeof *b->list);
    k += b->pbuf[q].n;
  }
  b->nlist = tot / 2;
  memset(b->acc, 0, ps->cap * (size_t)d * sizeof *b->acc);
  b->maxdisp = 0;
  b->Rc = Rc;
  b->valid = 1;
  b->rebuilds++;
  ps->cnt.rebuilds++;
  return SK_OK;
}

/* Checks the listed pairs q0..q1 against the interaction range. */
static void check_pairs(sk_particles *ps, bd *b, size_t q0, size_t q1, double h, double R2,
                        candbuf *cb) {
  int d = ps->d;
  size_t cap = ps->cap;
  double half = 0.5 * ps->box, L = ps->box;
  const double *x = ps->x;
  for (size_t q = q0; q < q1; ++q) {
    size_t i = b->list[2 * q], j = b->list[2 * q + 1];
    double dx[SK_MAX_DIM], r2 = 0;
    for (int k = 0; k < d; ++k) {
      double v = x[(size_t)k * cap + j] - x[(size_t)k * cap + i];
      if (ps->torus) v = v > half ? v - L : (v < -half ? v + L : v);
      dx[k] = v;
      r2 += v * v;
    }
    cb->checks++;
    if (r2 > R2) continue;
    double rate = sk_p_rate(ps, ps->mass[i], ps->mass[j], r2, dx);
    if (rate <= 0) continue;
    cb->inrange++;
    double p = -expm1(-rate * h);
    int64_t a = ps->id[i], bb = ps->id[j];
    cand cd;
    cd.idlo = a < bb ? a : bb;
    cd.idhi = a < bb ? bb : a;
    cd.ilo = a < bb ? i : j;
    cd.ihi = a < bb ? j : i;
    cd.u = pair_uniform(ps->seed, (uint64_t)cd.idlo * (uint64_t)ps->N + (uint64_t)cd.idhi,
                        (uint64_t)ps->step, ps->replica, &cd.u2);
    if (cd.u < p) push(cb, &cd);
  }
}

static int step(sk_particles *ps, bd *b, double h, sk_error *err) {
  int nt = ps->threads > 0 ? ps->threads : omp_get_max_threads();
  if (ps->n < SK_P_PAR_MIN) nt = 1;
  if (nt > 256) nt = 256;
  int rc = ensure_bufs(b, nt, err);
  if (rc) return rc;
  double R = sk_particles_range(ps);
  if (ps->torus && 2 * R >= ps->box)
    return sk_error_set(err, SK_ERANGE,
                        "at t = %g the interaction range %g of mass %lld reached half the torus "
                        "side %g (accepted: a larger N or box, or a smaller chi)",
                        ps->t, R, (long long)ps->maxmass, ps->box);
  ps->cnt.steps++;
  ps->cnt.particle_steps += (long long)ps->n;
  if (ps->n >= 2) {
    if (!b->valid || R + 2 * b->maxdisp > b->Rc || ps->bd_rebuild_every_step)
      if ((rc = rebuild(ps, b, R, nt, err))) return rc;
    double R2 = R * R;
    int ntc = b->nlist >= 65536 ? nt : 1;
    for (int q = 0; q < ntc; ++q) b->buf[q].n = b->buf[q].checks = b->buf[q].inrange = 0;
    size_t nl = b->nlist;
#pragma omp parallel num_threads(ntc) if (ntc > 1)
    {
      int tid = ntc > 1 ? omp_get_thread_num() : 0, nth = ntc > 1 ? omp_get_num_threads() : 1;
      size_t chunk = (nl + (size_t)nth - 1) / (size_t)nth;
      size_t q0 = (size_t)tid * chunk, q1 = q0 + chunk < nl ? q0 + chunk : nl;
      if (q0 < q1) check_pairs(ps, b, q0, q1, h, R2, &b->buf[tid]);
    }
    size_t tot = 0;
    for (int q = 0; q < ntc; ++q) {
      if (b->buf[q].cap == (size_t)-1) return sk_error_set(err, SK_ENOMEM, "out of memory");
      tot += b->buf[q].n;
      ps->cnt.pair_checks += b->buf[q].checks;
      ps->cnt.pairs_in_range += b->buf[q].inrange;
    }
    if (tot) {
      if (tot > b->all_cap) {
        cand *p = realloc(b->all, tot * sizeof *p);
        if (!p) return sk_error_set(err, SK_ENOMEM, "out of memory");
        b->all = p;
        b->all_cap = tot;
      }
      size_t k = 0;
      for (int q = 0; q < ntc; ++q) {
        memcpy(b->all + k, b->buf[q].c, b->buf[q].n * sizeof *b->all);
        k += b->buf[q].n;
      }
      qsort(b->all, tot, sizeof *b->all, cand_cmp);
      for (size_t q = 0; q < tot; ++q) {
        const cand *c = &b->all[q];
        if (b->dead[c->ilo] || b->dead[c->ihi]) {
          ps->cnt.conflicts++;
          continue;
        }
        ps->cnt.reactions++;
        if (ps->annihilation) {
          b->dead[c->ilo] = b->dead[c->ihi] = 1;
          ps->removed += ps->mass[c->ilo] + ps->mass[c->ihi];
        } else {
          int64_t ml = ps->mass[c->ilo], mh = ps->mass[c->ihi];
          size_t surv = c->ilo, gone = c->ihi;
          if (!(c->u2 < (double)ml / (double)(ml + mh))) {
            surv = c->ihi;
            gone = c->ilo;
          }
          ps->mass[surv] = ml + mh;
          if (ml + mh > ps->maxmass) ps->maxmass = ml + mh;
          b->dead[gone] = 1;
        }
      }
      /* compaction (keeps the order); the pair list is rebuilt next step */
      size_t w = 0, cap = ps->cap;
      for (size_t i = 0; i < ps->n; ++i) {
        if (b->dead[i]) {
          b->dead[i] = 0;
          continue;
        }
        if (w != i) {
          for (int k2 = 0; k2 < ps->d; ++k2) ps->x[(size_t)k2 * cap + w] = ps->x[(size_t)k2 * cap + i];
          ps->mass[w] = ps->mass[i];
          ps->id[w] = ps->id[i];
        }
        ++w;
      }
      ps->n = w;
      b->valid = 0;
    }
  }
  double md = move(ps, b, h, ps->n < SK_P_PAR_MIN ? 1 : nt);
  b->maxdisp = md;
  ps->step++;
  return SK_OK;
}

static int bd_advance(sk_particles *ps, void *state, double t, sk_error *err) {
  bd *b = state;
  if (ps->step == 0) b->valid = 0; /* a new state (sample / set_state) */
  double dt = ps->dt;
  double left = (t - ps->t) / dt;
  if (left > 1e13)
    return sk_error_set(err, SK_ERANGE,
                        "reaching t = %g needs %.3g steps of dt = %.3g (dt = dt_factor eps^2 / "
                        "max dif, eps = %.3g): too many (accepted: fewer than 1e13; use a smaller N "
                        "or an earlier time)",
                        t, left, dt, ps->eps);
  while (ps->t < t) {
    double h = dt;
    double tn = ps->t + dt;
    int last = 0;
    if (tn >= t * (1 - 1e-12)) {
      h = t - ps->t;
      last = 1;
    }
    int rc = step(ps, b, h, err);
    if (rc) return rc;
    ps->t = last ? t : tn;
    if (ps->tick && (ps->step & 1023) == 0) ps->tick(ps->tick_ctx, ps->t);
  }
  return SK_OK;
}

const sk_particles_engine sk_particles_engine_bd = {"bd", bd_create, bd_advance, bd_free};
