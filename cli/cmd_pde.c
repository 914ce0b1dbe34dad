/* smolkin pde — the Smoluchowski coagulation–diffusion equations (1.2)–(1.4)
 * (include/smolkin/pde.h, docs/pde.md). At each [run] time: M0, M1, tail
 * mass, boundary outflow, int f_n for --masses, int J f_n for the [observe]
 * test functions; f_n(x, t) snapshots in pde.h5 under --out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smolkin/json.h"
#include "smolkin/observe.h"
#include "smolkin/pde.h"
#include "smolkin/util.h"

static const sk_flag flags[] = {
    {"--masses", "n1,n2,...", "observe.masses", "masses n whose int f_n and int J f_n are reported"},
    {"--times", "T1,T2,...", "run.times", "report times (the run ends at the last one)"},
    {"--geometry", "G", "model.geometry", "radial | torus | whole-space"},
    {"--dim", "D", "model.dim", "space dimension"},
    {"--kernel", "K", "coagulation.kernel", "constant | additive | multiplicative | recipe | table"},
    {"--nmax", "M", "coagulation.nmax", "largest mass tracked (beyond: tail mass)"},
    {"--cells", "N", "pde.cells", "cells per axis (radial: on [0, rmax])"},
    {"--dt", "DT", "pde.dt", "splitting step (0: the automatic rule, docs/pde.md)"},
    {"--rmax", "R", "pde.rmax", "radial: outer radius (0: automatic)"},
};

typedef struct {
  double t, M0, M1, M2, tail, out;
  double *f;   /* nm */
  double *obs; /* nobs * nm */
} record;

static void progress_cb(double t, void *ctx) { sk_progress_update((sk_progress *)ctx, t); }

/* Writes f_n(x, t) for the snapshot masses at time index k. */
static int write_snapshot(sk_cli *c, hid_t h5, const sk_pde *pde, size_t k, double t,
                          const long long *sm, size_t nsm) {
  size_t nc = sk_pde_ncells(pde);
  double *buf = malloc(nc * nsm * sizeof *buf);
  if (!buf) return sk_error_set(&c->err, SK_ENOMEM, "out of memory (snapshot)");
  for (size_t q = 0; q < nsm; ++q) sk_pde_density(pde, sm[q], buf + q * nc);
  char path[64];
  snprintf(path, sizeof path, "snapshots/%zu/f", k);
  size_t dims[4] = {nsm, 0, 0, 0};
  int rank = 1;
  if (strcmp(sk_pde_geometry_name(pde), "radial") == 0) {
    dims[rank++] = nc;
  } else {
    for (int j = 0; j < sk_pde_dim(pde); ++j) dims[rank++] = (size_t)sk_pde_cells_per_axis(pde);
  }
  int rc = sk_h5_write_doubles(h5, path, rank, dims, buf, &c->err);
  if (!rc) {
    sk_pde_tail_density(pde, buf);
    snprintf(path, sizeof path, "snapshots/%zu/tail", k);
    rc = sk_h5_write_doubles(h5, path, rank - 1, dims + 1, buf, &c->err);
  }
  free(buf);
  if (rc) return rc;
  snprintf(path, sizeof path, "snapshots/%zu", k);
  hid_t g = sk_h5_group(h5, path, &c->err);
  if (g < 0) return c->err.code ? c->err.code : SK_EIO;
  sk_h5_attr_double(g, "time", t);
  H5Gclose(g);
  return SK_OK;
}

static int write_grid(sk_cli *c, hid_t h5, const sk_pde *pde, const long long *sm, size_t nsm) {
  hid_t g = sk_h5_group(h5, "grid", &c->err);
  if (g < 0) return c->err.code ? c->err.code : SK_EIO;
  sk_h5_attr_string(g, "geometry", sk_pde_geometry_name(pde));
  sk_h5_attr_int64(g, "dim", sk_pde_dim(pde));
  sk_h5_attr_int64(g, "cells_per_axis", sk_pde_cells_per_axis(pde));
  sk_h5_attr_double(g, "extent", sk_pde_extent(pde));
  sk_h5_attr_string(g, "layout",
                    "snapshots/K/f[q][cells...] = f_n(x, t_K) at cell centres for n = "
                    "snapshot_masses[q]; box: axes x0 slowest; radial: r");
  H5Gclose(g);
  long long N = sk_pde_cells_per_axis(pde);
  int radial = strcmp(sk_pde_geometry_name(pde), "radial") == 0;
  size_t n = (size_t)N;
  double *x = malloc(n * sizeof *x);
  int64_t *m = malloc((nsm ? nsm : 1) * sizeof *m);
  if (!x || !m) {
    free(x);
    free(m);
    return sk_error_set(&c->err, SK_ENOMEM, "out of memory");
  }
  /* centres along axis 0 (all axes are alike) */
  for (size_t i = 0; i < n; ++i) {
    double ctr[3];
    size_t stride = 1;
    if (!radial)
      for (int j = 1; j < sk_pde_dim(pde); ++j) stride *= n;
    sk_pde_cell_center(pde, i * stride, ctr);
    x[i] = ctr[0];
  }
  for (size_t q = 0; q < nsm; ++q) m[q] = sm[q];
  int rc = sk_h5_write_doubles(h5, radial ? "grid/r" : "grid/x", 1, &n, x, &c->err);
  if (!rc && radial) rc = sk_h5_write_doubles(h5, "grid/volume", 1, &n, sk_pde_volumes(pde), &c->err);
  if (!rc) rc = sk_h5_write_int64(h5, "snapshot_masses", 1, &nsm, m, &c->err);
  free(x);
  free(m);
  return rc;
}

int sk_cmd_pde(int argc, char **argv) {
  sk_cli c;
  int rc = sk_cli_parse_timed(&c, argc, argv, "pde",
                        "MODEL [--masses 1,2,10] [--times T1,...] [--cells N] [--dt DT] [--json] "
                        "[--out DIR]",
                        flags, sizeof flags / sizeof *flags, SK_MODEL_REQUIRED);
  if (rc >= 0) return rc;
  const sk_model *m = c.model;
  const sk_params *P = sk_model_params(m);
  int status = 0;
  sk_pde *pde = NULL;
  sk_observe *obs = NULL;
  sk_out *out = NULL;
  record *rec = NULL;
  long long *sm = NULL;
  size_t nrec = 0, nsm = 0;
  hid_t h5 = -1;

  if ((rc = sk_observe_create(m, &obs, &c.err))) {
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  size_t nm, nobs = sk_observe_count(obs);
  const long long *masses = sk_observe_masses(obs, &nm);
  long long nmax = sk_model_get_int(m, "coagulation.nmax");
  if ((status = sk_cli_check_masses(&c, "observe.masses")) ||
      (status = sk_cli_check_masses(&c, "pde.snapshot_masses")))
    goto done;
  size_t nl;
  const double *sl = sk_model_get_list(m, "pde.snapshot_masses", &nl);
  nsm = nl ? nl : nm;
  sm = malloc((nsm ? nsm : 1) * sizeof *sm);
  if (!sm) {
    status = sk_cli_fail(&c, sk_error_set(&c.err, SK_ENOMEM, "out of memory"));
    goto done;
  }
  for (size_t q = 0; q < nsm; ++q) sm[q] = nl ? (long long)sl[q] : masses[q];

  sk_progress prog;
  sk_pde_opts o;
  sk_pde_opts_from_model(m, &o);
  o.progress = progress_cb;
  o.progress_ctx = &prog;
  double t0 = sk_wtime();
  if ((rc = sk_pde_alloc(m, &o, &pde, &c.err))) {
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  double M10 = sk_pde_M1(pde); /* the initial mass as discretised */
  double M1model = 0;            /* Z sum_n n w_n: the model's initial mass */
  for (long long n = 1; n <= sk_model_max_initial_mass(m); ++n)
    M1model += (double)n * sk_model_mass_fraction(m, n);
  M1model *= P->Z;
  /* nothing is written before the inputs are known to be good */
  if ((status = sk_cli_open_out(&c, &out))) goto done;
  int snaps = out && sk_model_get_bool(m, "pde.snapshots");
  if (out) {
    h5 = sk_out_h5(out, "pde.h5", &c.err);
    if (h5 < 0 || (rc = write_grid(&c, h5, pde, sm, snaps ? nsm : 0))) {
      status = sk_cli_fail(&c, c.err.code ? c.err.code : SK_EIO);
      goto done;
    }
  }
  rec = calloc(P->ntimes, sizeof *rec);
  if (!rec) {
    status = sk_cli_fail(&c, sk_error_set(&c.err, SK_ENOMEM, "out of memory"));
    goto done;
  }
  sk_progress_start(&prog, "pde", P->T);
  for (size_t k = 0; k < P->ntimes; ++k) {
    double t = P->times[k];
    if ((rc = sk_pde_advance(pde, t, &c.err))) {
      sk_progress_finish(&prog);
      status = sk_cli_fail(&c, rc);
      goto done;
    }
    record *r = &rec[nrec++];
    r->t = t;
    r->M0 = sk_pde_M0(pde);
    r->M1 = sk_pde_M1(pde);
    r->M2 = sk_pde_M2(pde);
    r->tail = sk_pde_tail_mass(pde);
    r->out = sk_pde_outflow(pde);
    r->f = malloc((nm ? nm : 1) * sizeof *r->f);
    r->obs = malloc((nm * nobs + 1) * sizeof *r->obs);
    if (!r->f || !r->obs) {
      sk_progress_finish(&prog);
      status = sk_cli_fail(&c, sk_error_set(&c.err, SK_ENOMEM, "out of memory"));
      goto done;
    }
    for (size_t q = 0; q < nm; ++q) {
      r->f[q] = sk_pde_integral(pde, masses[q]);
      for (size_t j = 0; j < nobs; ++j) r->obs[j * nm + q] = sk_pde_observe(pde, obs, j, masses[q]);
    }
    if (snaps && (rc = write_snapshot(&c, h5, pde, k, t, sm, nsm))) {
      sk_progress_finish(&prog);
      status = sk_cli_fail(&c, rc);
      goto done;
    }
  }
  sk_progress_finish(&prog);
  double seconds = sk_wtime() - t0;
  sk_pde_stats st;
  sk_pde_get_stats(pde, &st);
  char hex[17];
  sk_model_hash_hex(m, hex);
  {
    /* what left the domain, said on stderr when it is not negligible */
    double lost = rec[nrec - 1].out, tol = 1e-8 * M10;
    if (!c.quiet && M1model - M10 > tol)
      fprintf(stderr,
              "smolkin pde: note: the grid holds %.10g of the initial mass %.10g; %.3g of the "
              "data lies outside it (raise [pde] %s, or 0 for the automatic choice)\n",
              M10, M1model, M1model - M10,
              strcmp(sk_pde_geometry_name(pde), "radial") == 0 ? "rmax" : "box");
    if (!c.quiet && lost > tol)
      fprintf(stderr,
              "smolkin pde: note: %.3g of the initial mass %.6g crossed r = rmax = %g "
              "(raise [pde] rmax, or 0 for the automatic choice)\n",
              lost, M10, sk_pde_extent(pde));
    if (!c.quiet && st.boundary_mass > tol)
      fprintf(stderr,
              "smolkin pde: note: mass %.3g reached the outermost cells of the whole-space box "
              "(side %g; raise [pde] box, or 0 for the automatic choice)\n",
              st.boundary_mass, sk_pde_extent(pde));
  }

  rc = 0;
  if (out) {
    size_t nt = nrec, dims2[2] = {nrec, nm};
    double *col = malloc((nt * (nm + 1) * (nobs + 1) + 8) * sizeof *col);
    if (!col) {
      status = sk_cli_fail(&c, sk_error_set(&c.err, SK_ENOMEM, "out of memory"));
      goto done;
    }
    const char *names[6] = {"time", "M0", "M1", "M2", "tail_mass", "outflow"};
    for (int w = 0; w < 6 && !rc; ++w) {
      for (size_t k = 0; k < nt; ++k) {
        const record *r = &rec[k];
        col[k] = w == 0 ? r->t : w == 1 ? r->M0 : w == 2 ? r->M1 : w == 3 ? r->M2 : w == 4 ? r->tail : r->out;
      }
      rc = sk_h5_write_doubles(h5, names[w], 1, &nt, col, &c.err);
    }
    if (!rc) {
      int64_t *mm = malloc((nm ? nm : 1) * sizeof *mm);
      if (!mm) rc = sk_error_set(&c.err, SK_ENOMEM, "out of memory");
      for (size_t q = 0; !rc && q < nm; ++q) mm[q] = masses[q];
      if (!rc) rc = sk_h5_write_int64(h5, "masses", 1, &nm, mm, &c.err);
      free(mm);
    }
    if (!rc) {
      for (size_t k = 0; k < nt; ++k)
        for (size_t q = 0; q < nm; ++q) col[k * nm + q] = rec[k].f[q];
      rc = sk_h5_write_doubles(h5, "integrals", 2, dims2, col, &c.err);
    }
    for (size_t j = 0; j < nobs && !rc; ++j) {
      for (size_t k = 0; k < nt; ++k)
        for (size_t q = 0; q < nm; ++q) col[k * nm + q] = rec[k].obs[j * nm + q];
      char path[96];
      snprintf(path, sizeof path, "observe/%s", sk_observe_name(obs, j));
      rc = sk_h5_write_doubles(h5, path, 2, dims2, col, &c.err);
    }
    free(col);
    FILE *f = rc ? NULL : sk_out_csv(out, "pde.csv", &c.err);
    if (!rc && !f) rc = c.err.code ? c.err.code : SK_EIO;
    if (!rc) {
      fprintf(f, "t,M0,M1,M2,tail_mass,outflow");
      for (size_t q = 0; q < nm; ++q) fprintf(f, ",f_%lld", masses[q]);
      for (size_t j = 0; j < nobs; ++j)
        for (size_t q = 0; q < nm; ++q) fprintf(f, ",%s_%lld", sk_observe_name(obs, j), masses[q]);
      fprintf(f, "\n");
      for (size_t k = 0; k < nt; ++k) {
        const record *r = &rec[k];
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", r->t, r->M0, r->M1, r->M2, r->tail,
                r->out);
        for (size_t q = 0; q < nm; ++q) fprintf(f, ",%.17g", r->f[q]);
        for (size_t j = 0; j < nobs; ++j)
          for (size_t q = 0; q < nm; ++q) fprintf(f, ",%.17g", r->obs[j * nm + q]);
        fprintf(f, "\n");
      }
    }
    if (!rc) rc = sk_out_commit(out, &c.err);
    if (rc) {
      status = sk_cli_fail(&c, rc);
      goto done;
    }
  }

  if (c.json) {
    sk_json j;
    sk_json_init(&j, stdout, 0);
    sk_json_begin_object(&j, NULL);
    sk_json_string(&j, "command", "pde");
    sk_json_begin_array(&j, "results");
    char key[32];
    for (size_t k = 0; k < nrec; ++k) {
      const record *r = &rec[k];
      sk_json_begin_object(&j, NULL);
      sk_json_double(&j, "t", r->t);
      sk_json_double(&j, "M0", r->M0);
      sk_json_double(&j, "M1", r->M1);
      sk_json_double(&j, "M2", r->M2);
      sk_json_double(&j, "tail_mass", r->tail);
      sk_json_double(&j, "outflow", r->out);
      sk_json_begin_object(&j, "f");
      for (size_t q = 0; q < nm; ++q) {
        snprintf(key, sizeof key, "%lld", masses[q]);
        sk_json_double(&j, key, r->f[q]);
      }
      sk_json_end_object(&j);
      sk_json_begin_object(&j, "observe");
      for (size_t jj = 0; jj < nobs; ++jj) {
        sk_json_begin_object(&j, sk_observe_name(obs, jj));
        for (size_t q = 0; q < nm; ++q) {
          snprintf(key, sizeof key, "%lld", masses[q]);
          sk_json_double(&j, key, r->obs[jj * nm + q]);
        }
        sk_json_end_object(&j);
      }
      sk_json_end_object(&j);
      sk_json_end_object(&j);
    }
    sk_json_end_array(&j);
    sk_json_string(&j, "geometry", sk_pde_geometry_name(pde));
    sk_json_int(&j, "dim", sk_pde_dim(pde));
    sk_json_int(&j, "cells_per_axis", sk_pde_cells_per_axis(pde));
    sk_json_int(&j, "cells", (int64_t)sk_pde_ncells(pde));
    sk_json_double(&j, strcmp(sk_pde_geometry_name(pde), "radial") ? "box" : "rmax",
                   sk_pde_extent(pde));
    sk_json_int(&j, "nmax", nmax);
    sk_json_string(&j, "kernel", sk_coag_kind_name(sk_coag_get_kind(sk_pde_coag(pde))));
    sk_json_string(&j, "coag_path", sk_coag_path_name(sk_pde_coag(pde)));
    sk_json_double(&j, "dt", st.dt_last);
    sk_json_int(&j, "steps", st.steps);
    sk_json_int(&j, "coag_rhs", st.coag_rhs);
    sk_json_int(&j, "coag_rejected", st.coag_rejected);
    sk_json_double(&j, "clipped", st.clipped);
    sk_json_double(&j, "min_f", st.min_f);
    if (strcmp(sk_pde_geometry_name(pde), "whole-space") == 0)
      sk_json_double(&j, "boundary_mass", st.boundary_mass);
    sk_json_double(&j, "M1_initial", M10);
    sk_json_double(&j, "M1_model", M1model);
    sk_json_double(&j, "mass_balance_error",
                   fabs(rec[nrec - 1].M1 + rec[nrec - 1].tail + rec[nrec - 1].out - M10));
    sk_json_double(&j, "time_s", seconds);
    sk_json_uint(&j, "seed", P->seed);
    sk_json_string(&j, "model_hash", hex);
    if (out) sk_json_string(&j, "out", sk_out_dir(out));
    sk_json_end_object(&j);
    sk_json_finish(&j);
  } else {
    printf("pde: %s, d = %d, %lld cells per axis (%s = %g), masses 1..%lld, kernel %s (%s)\n",
           sk_pde_geometry_name(pde), sk_pde_dim(pde), sk_pde_cells_per_axis(pde),
           strcmp(sk_pde_geometry_name(pde), "radial") ? "box" : "rmax", sk_pde_extent(pde), nmax,
           sk_coag_kind_name(sk_coag_get_kind(sk_pde_coag(pde))),
           sk_coag_path_name(sk_pde_coag(pde)));
    printf("%10s %14s %14s %12s %12s", "t", "M0", "M1", "tail", "outflow");
    for (size_t q = 0; q < nm; ++q) printf("   int f_%-6lld", masses[q]);
    printf("\n");
    for (size_t k = 0; k < nrec; ++k) {
      const record *r = &rec[k];
      printf("%10.4g %14.8g %14.8g %12.4g %12.4g", r->t, r->M0, r->M1, r->tail, r->out);
      for (size_t q = 0; q < nm; ++q) printf("   %12.6g", r->f[q]);
      printf("\n");
    }
    printf("%lld steps (dt = %g), %lld coagulation evaluations (%lld rejected); mass balance "
           "error %.2g; %.3g s\n",
           st.steps, st.dt_last, st.coag_rhs, st.coag_rejected,
           fabs(rec[nrec - 1].M1 + rec[nrec - 1].tail + rec[nrec - 1].out - M10), seconds);
    if (out) printf("files in %s: pde.csv, pde.h5\n", sk_out_dir(out));
  }
done:
  for (size_t k = 0; k < nrec; ++k) {
    free(rec[k].f);
    free(rec[k].obs);
  }
  free(rec);
  free(sm);
  sk_pde_free(pde);
  sk_observe_free(obs);
  sk_out_free(out);
  sk_cli_free(&c);
  return status;
}
