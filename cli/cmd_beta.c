/* smolkin beta — the macroscopic coagulation propensity beta from the recipe
 * (1.8)-(1.9): radial (any d >= 3, radial V), grid (d = 3, any V) or
 * Monte Carlo (Lemma 1.6); (2.4) in d = 2. With --nmax K, the model's table
 * beta(n, m), n, m <= K. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smolkin/beta.h"
#include "smolkin/json.h"
#include "smolkin/kernel.h"
#include "smolkin/util.h"

#define NMAX_LIMIT 2000

static const sk_flag flags[] = {
    {"--dim", "D", "model.dim", "space dimension d (>= 3; 2 uses (2.4))"},
    {"--kernel", "K", "interaction.kernel", "interaction kernel V: ball|bump|gauss|table|agauss|grid"},
    {"--alpha", "A", "interaction.alpha", "interaction strength alpha"},
    {"--method", "M", "beta.method", "radial | grid | mc (default radial; grid for a non-radial kernel)"},
    {"--rtol", "R", "beta.rtol", "target relative accuracy (0: the method's default)"},
    {"--grid-n", "N", "beta.grid_n", "grid: cells per axis of the finest grid (0: from rtol)"},
    {"--paths", "N", "beta.paths", "mc: number of killed Brownian paths"},
    {"--seed", "S", "run.seed", "mc: random seed"},
    {"--diffusion", "DSUM",
     NULL, "dif(n)+dif(m), the pair's relative diffusion rate (default: 2 dif(1) = 2 D0)"},
    {"--nmax", "K", NULL, "write the model's table beta(n,m), n,m <= K, under --out DIR"},
    {"--profile", "FILE", NULL, "write u (CSV): r,u (radial); x,y,z,u on the x axis (grid); points with SE (mc)"},
};

typedef struct {
  double *x; /* npts * d */
  double *u, *se;
  size_t n;
  double max_ratio; /* max of u(x) |x|^(d-2) over |x| >= 1 (Lemma 6.3: <= 1) */
  double umin, umax;
} profile;

static void profile_free(profile *p) {
  free(p->x);
  free(p->u);
  free(p->se);
}

/* Evaluates u on the profile points for the method. */
static int compute_profile(const sk_beta_solution *s, sk_beta_method method, int d, profile *p,
                           sk_error *err) {
  memset(p, 0, sizeof *p);
  size_t n;
  double lo, hi;
  if (method == SK_BETA_RADIAL) {
    n = 401, lo = 0, hi = 4;
  } else if (method == SK_BETA_GRID) {
    n = 121, lo = -3, hi = 3;
  } else {
    n = 8, lo = 0, hi = 3.5;
  }
  p->x = calloc(n * (size_t)d, sizeof *p->x);
  p->u = calloc(n, sizeof *p->u);
  p->se = calloc(n, sizeof *p->se);
  if (!p->x || !p->u || !p->se) return sk_error_set(err, SK_ENOMEM, "out of memory");
  p->n = n;
  p->max_ratio = 0;
  p->umin = INFINITY;
  p->umax = -INFINITY;
  sk_progress pr;
  sk_progress_start(&pr, "beta profile", (double)n);
  for (size_t i = 0; i < n; ++i) {
    double *x = p->x + i * (size_t)d;
    x[0] = lo + (hi - lo) * (double)i / (double)(n - 1);
    int rc = sk_beta_solution_u_se(s, x, 0, &p->u[i], &p->se[i]);
    if (rc) return sk_error_set(err, rc, "u could not be evaluated at x = %g", x[0]);
    double r = fabs(x[0]);
    if (r >= 1) p->max_ratio = fmax(p->max_ratio, p->u[i] * pow(r, d - 2));
    p->umin = fmin(p->umin, p->u[i]);
    p->umax = fmax(p->umax, p->u[i]);
    sk_progress_update(&pr, (double)i + 1);
  }
  sk_progress_finish(&pr);
  return SK_OK;
}

static void write_header(FILE *f, sk_cli *c, const char *what) {
  char hex[17];
  sk_model_hash_hex(c->model, hex);
  fprintf(f, "# smolkin %s beta %s\n# command: %s\n# seed: %llu\n# model_hash: %s\n", SK_VERSION,
          what, c->cmdline, (unsigned long long)sk_model_params(c->model)->seed, hex);
}

static void write_profile_rows(FILE *f, const profile *p, sk_beta_method method, int d) {
  if (method == SK_BETA_RADIAL) {
    fprintf(f, "r,u,bound\n");
    for (size_t i = 0; i < p->n; ++i) {
      double r = p->x[i * (size_t)d];
      fprintf(f, "%.17g,%.17g,%.17g\n", r, p->u[i], r >= 1 ? pow(r, 2 - d) : 1.0);
    }
  } else if (method == SK_BETA_GRID) {
    fprintf(f, "x,y,z,u,bound\n");
    for (size_t i = 0; i < p->n; ++i) {
      const double *x = p->x + i * (size_t)d;
      double r = fabs(x[0]);
      fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g\n", x[0], x[1], x[2], p->u[i],
              r >= 1 ? pow(r, 2 - d) : 1.0);
    }
  } else {
    fprintf(f, "r,u,se,bound\n");
    for (size_t i = 0; i < p->n; ++i) {
      double r = p->x[i * (size_t)d];
      fprintf(f, "%.17g,%.17g,%.17g,%.17g\n", r, p->u[i], p->se[i], r >= 1 ? pow(r, 2 - d) : 1.0);
    }
  }
}

/* Writes FILE via FILE.partial and a rename, so nothing half-written stays. */
static int write_profile_file(sk_cli *c, const char *path, const profile *p,
                              sk_beta_method method, int d) {
  size_t len = strlen(path) + 16;
  char *tmp = malloc(len);
  if (!tmp) return sk_error_set(&c->err, SK_ENOMEM, "out of memory");
  snprintf(tmp, len, "%s.partial", path);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    int rc = sk_error_set(&c->err, SK_EIO, "--profile %s: cannot write: %s", path, strerror(errno));
    free(tmp);
    return rc;
  }
  write_header(f, c, "profile u(x)");
  write_profile_rows(f, p, method, d);
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    remove(tmp);
    int rc = sk_error_set(&c->err, SK_EIO, "--profile %s: write failed", path);
    free(tmp);
    return rc;
  }
  free(tmp);
  return SK_OK;
}

typedef struct {
  long long K;
  double *table, *dif;
  size_t pieces;
  long solves;
  char variant[128];
  double verified;
  double seconds;
} table_out;

static int build_table(sk_cli *c, const sk_beta_opts *opts, table_out *t) {
  long long K = t->K;
  t->table = malloc((size_t)(K * K) * sizeof *t->table);
  t->dif = malloc((size_t)K * sizeof *t->dif);
  if (!t->table || !t->dif) return sk_error_set(&c->err, SK_ENOMEM, "out of memory");
  double t0 = sk_wtime();
  sk_beta_kernel *bk;
  int rc = sk_beta_kernel_create(c->model, K, opts, &bk, &c->err);
  if (rc) return rc;
  for (long long n = 1; n <= K; ++n) {
    t->dif[n - 1] = sk_model_dif(c->model, n);
    for (long long m = 1; m <= K; ++m) t->table[(n - 1) * K + (m - 1)] = sk_beta_kernel_eval(bk, n, m);
  }
  t->pieces = sk_beta_kernel_pieces(bk);
  snprintf(t->variant, sizeof t->variant, "%s", sk_beta_kernel_variant(bk));
  t->solves = sk_beta_kernel_solves(bk);
  t->verified = sk_beta_kernel_verified_error(bk);
  sk_beta_kernel_free(bk);
  t->seconds = sk_wtime() - t0;
  return SK_OK;
}

static int write_table(sk_cli *c, sk_out *out, const table_out *t, const char *method) {
  long long K = t->K;
  FILE *f = sk_out_csv(out, "beta_table.csv", &c->err);
  if (!f) return c->err.code ? c->err.code : SK_EIO;
  fprintf(f, "# beta(n,m): %s; method %s; dsum = dif(n) + dif(m)\n", t->variant, method);
  fprintf(f, "n,m,dsum,beta\n");
  for (long long n = 1; n <= K; ++n)
    for (long long m = 1; m <= K; ++m)
      fprintf(f, "%lld,%lld,%.17g,%.17g\n", n, m, t->dif[n - 1] + t->dif[m - 1],
              t->table[(n - 1) * K + (m - 1)]);
  hid_t h = sk_out_h5(out, "beta_table.h5", &c->err);
  if (h < 0) return c->err.code ? c->err.code : SK_EIO;
  size_t dims[2] = {(size_t)K, (size_t)K};
  int rc = sk_h5_write_doubles(h, "beta", 2, dims, t->table, &c->err);
  if (!rc) rc = sk_h5_write_doubles(h, "dif", 1, dims, t->dif, &c->err);
  if (!rc) {
    hid_t ds = H5Dopen2(h, "beta", H5P_DEFAULT);
    if (ds >= 0) {
      sk_h5_attr_string(ds, "description", "beta[n-1][m-1] = beta(n,m), DSUM = dif(n)+dif(m)");
      sk_h5_attr_string(ds, "variant", t->variant);
      sk_h5_attr_string(ds, "method", method);
      sk_h5_attr_int64(ds, "nmax", K);
      sk_h5_attr_double(ds, "alpha", sk_model_params(c->model)->alpha);
      sk_h5_attr_double(ds, "interpolation_verified_rel_error", t->verified);
      H5Dclose(ds);
    }
  }
  return rc;
}

int sk_cmd_beta(int argc, char **argv) {
  sk_cli c;
  int rc = sk_cli_parse(&c, argc, argv, "beta",
                        "[MODEL] [--dim D] [--kernel K] [--alpha A] [--diffusion DSUM] "
                        "[--method radial|grid|mc] [--nmax K] [--profile FILE] [--json]",
                        flags, sizeof flags / sizeof *flags, SK_MODEL_OPTIONAL);
  if (rc >= 0) return rc;
  const sk_params *P = sk_model_params(c.model);
  const sk_kernel *V = sk_model_kernel(c.model);
  int d = P->dim, status = 0;
  sk_beta_solution *sol = NULL;
  sk_out *out = NULL;
  profile prof;
  memset(&prof, 0, sizeof prof);
  table_out tab;
  memset(&tab, 0, sizeof tab);

  /* ---- the problem and its consistency */
  sk_beta_method method = (sk_beta_method)sk_model_get_enum(c.model, "beta.method");
  /* a non-radial kernel without an explicit method: the 3-D grid solver */
  if (!sk_model_is_set(c.model, "beta.method") && !sk_kernel_is_radial(V)) method = SK_BETA_GRID;
  double dsum = 2 * sk_model_dif(c.model, 1);
  long long nmax = 0;
  if ((status = sk_cli_get_double(&c, "--diffusion", 0, INFINITY, &dsum))) goto done;
  if (!(dsum > 0)) {
    status = sk_cli_usage_error(&c, "--diffusion %s: expected a number > 0", sk_cli_get(&c, "--diffusion"));
    goto done;
  }
  if ((status = sk_cli_get_long(&c, "--nmax", 1, NMAX_LIMIT, &nmax))) goto done;
  const char *profile_path = sk_cli_get(&c, "--profile");
  if (d < 2) {
    rc = sk_model_key_error(c.model, "model.dim", &c.err,
                            "beta needs d >= 2 (accepted: 2, which uses (2.4), or 3 to %d)", SK_MAX_DIM);
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  if (method == SK_BETA_GRID && d != 3) {
    rc = sk_model_key_error(c.model, "beta.method", &c.err,
                            "the grid method is a 3-D solver, but [model] dim = %d (accepted: dim = 3, "
                            "or method radial / mc)", d);
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  if (d == 2 && method != SK_BETA_RADIAL) {
    rc = sk_model_key_error(c.model, "beta.method", &c.err,
                            "d = 2 uses the closed form (2.4) (accepted: radial, which selects it)");
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  if (method == SK_BETA_RADIAL && !sk_kernel_is_radial(V)) {
    rc = sk_model_key_error(c.model, "beta.method", &c.err,
                            "method radial needs a radially symmetric kernel, but [interaction] kernel "
                            "= %s (accepted: grid or mc)", sk_kernel_name(V));
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  long long gn = sk_model_get_int(c.model, "beta.grid_n");
  if (gn != 0 && (gn < 16 || gn % 4 != 0)) {
    rc = sk_model_key_error(c.model, "beta.grid_n", &c.err,
                            "must be 0 (automatic) or a multiple of 4 in [16, 512]");
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  if (profile_path && d == 2) {
    status = sk_cli_usage_error(&c, "--profile: in d = 2 beta comes from (2.4) and there is no u to write");
    goto done;
  }
  if (nmax > 0) {
    if (!c.outdir) {
      status = sk_cli_usage_error(&c, "--nmax writes beta_table.csv and beta_table.h5: it needs --out DIR");
      goto done;
    }
    if (sk_cli_get(&c, "--diffusion")) {
      status = sk_cli_usage_error(&c, "--nmax takes DSUM = dif(n) + dif(m) from the model; drop --diffusion");
      goto done;
    }
    if (method == SK_BETA_MC) {
      rc = sk_model_key_error(c.model, "beta.method", &c.err,
                              "a beta(n,m) table (--nmax) from Monte Carlo estimates would be noisy "
                              "(accepted: radial or grid)");
      status = sk_cli_fail(&c, rc);
      goto done;
    }
  }

  sk_beta_opts opts;
  sk_beta_opts_init(&opts, method);
  opts.rtol = sk_model_get_double(c.model, "beta.rtol");
  opts.grid_n = (int)gn;
  opts.mc_paths = sk_model_get_int(c.model, "beta.paths");
  opts.seed = P->seed;

  /* ---- nothing is written before the inputs are known to be good */
  if ((status = sk_cli_open_out(&c, &out))) goto done;

  double t0 = sk_wtime();
  rc = sk_beta_solve(V, P->alpha, dsum, &opts, &sol, &c.err);
  if (rc) {
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  double seconds = sk_wtime() - t0;
  const sk_beta_result *res = sk_beta_solution_result(sol);
  sk_beta_info info;
  sk_beta_solution_info(sol, &info);
  double cap = sk_beta_capacity(V);
  if (method == SK_BETA_GRID && !c.quiet) {
    double target = opts.rtol > 0 ? opts.rtol : 1e-4;
    if (res->err_est > target * res->beta)
      fprintf(stderr,
              "smolkin beta: note: the grid's estimated relative error %.2g is above the target "
              "%.2g (N = %d; raise --grid-n or --rtol)\n",
              res->err_est / res->beta, target, info.grid_n);
  }

  if (profile_path && (rc = compute_profile(sol, method, d, &prof, &c.err))) {
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  if (nmax > 0) {
    tab.K = nmax;
    if ((rc = build_table(&c, &opts, &tab)) || (rc = write_table(&c, out, &tab, res->method))) {
      status = sk_cli_fail(&c, rc);
      goto done;
    }
  }
  if (profile_path && (rc = write_profile_file(&c, profile_path, &prof, method, d))) {
    status = sk_cli_fail(&c, rc);
    goto done;
  }
  char hex[17];
  sk_model_hash_hex(c.model, hex);
  if (out) {
    FILE *f = sk_out_csv(out, "beta.csv", &c.err);
    if (!f) {
      status = sk_cli_fail(&c, c.err.code ? c.err.code : SK_EIO);
      goto done;
    }
    fprintf(f, "method,dim,kernel,alpha,dsum,lambda,beta,naive,int_V,ratio,err_est,stderr\n");
    fprintf(f, "%s,%d,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", res->method, d,
            sk_kernel_name(V), P->alpha, dsum, info.lambda, res->beta, res->naive, res->int_V,
            res->ratio, res->err_est, res->stderr_beta);
    if (profile_path) {
      FILE *g = sk_out_csv(out, "beta_profile.csv", &c.err);
      if (!g) {
        status = sk_cli_fail(&c, c.err.code ? c.err.code : SK_EIO);
        goto done;
      }
      write_profile_rows(g, &prof, method, d);
    }
    if ((rc = sk_out_commit(out, &c.err))) {
      status = sk_cli_fail(&c, rc);
      goto done;
    }
  }

  /* ---- report */
  if (c.json) {
    sk_json j;
    sk_json_init(&j, stdout, 0);
    sk_json_begin_object(&j, NULL);
    sk_json_double(&j, "beta", res->beta);
    sk_json_double(&j, "naive", res->naive);
    sk_json_double(&j, "int_V", res->int_V);
    sk_json_double(&j, "ratio", res->ratio);
    sk_json_string(&j, "method", res->method);
    if (method == SK_BETA_MC && d >= 3) sk_json_double(&j, "stderr", res->stderr_beta);
    sk_json_double(&j, "err_est", res->err_est);
    sk_json_int(&j, "dim", d);
    sk_json_string(&j, "kernel", sk_kernel_name(V));
    sk_json_double(&j, "alpha", P->alpha);
    sk_json_double(&j, "dsum", dsum);
    sk_json_double(&j, "lambda", info.lambda);
    if (d >= 3) {
      sk_json_double(&j, "capacity", cap);
      sk_json_double(&j, "capacity_limit", dsum * cap);
    }
    if (isfinite(info.beta_volume)) {
      sk_json_double(&j, "beta_volume", info.beta_volume);
      sk_json_double(&j, "u_exterior_c", info.u_exterior_c);
      sk_json_int(&j, "ode_steps", info.radial_steps);
    }
    if (info.grid_n) {
      sk_json_int(&j, "grid_n", info.grid_n);
      sk_json_int(&j, "cg_iterations", info.grid_iterations);
    }
    if (info.mc_paths) {
      sk_json_int(&j, "paths", info.mc_paths);
      sk_json_double(&j, "mean_steps", info.mc_mean_steps);
    }
    sk_json_double(&j, "time_s", seconds);
    sk_json_uint(&j, "seed", P->seed);
    sk_json_string(&j, "model_hash", hex);
    if (profile_path) {
      sk_json_begin_object(&j, "profile");
      sk_json_string(&j, "file", profile_path);
      sk_json_int(&j, "points", (int64_t)prof.n);
      sk_json_double(&j, "u_min", prof.umin);
      sk_json_double(&j, "u_max", prof.umax);
      sk_json_double(&j, "lemma63_max_ratio", prof.max_ratio);
      sk_json_end_object(&j);
    }
    if (nmax > 0) {
      sk_json_begin_object(&j, "table");
      sk_json_int(&j, "nmax", nmax);
      sk_json_string(&j, "variant", tab.variant);
      sk_json_double(&j, "beta_1_1", tab.table[0]);
      sk_json_double(&j, "beta_nmax_nmax", tab.table[nmax * nmax - 1]);
      sk_json_int(&j, "chebyshev_pieces", (int64_t)tab.pieces);
      sk_json_int(&j, "solves", tab.solves);
      sk_json_double(&j, "verified_rel_error", tab.verified);
      sk_json_double(&j, "time_s", tab.seconds);
      sk_json_end_object(&j);
    }
    if (out) sk_json_string(&j, "out", sk_out_dir(out));
    sk_json_end_object(&j);
    sk_json_finish(&j);
  } else {
    printf("beta (%s, d = %d, kernel %s, alpha = %g, DSUM = %g, lambda = %g)\n", res->method, d,
           sk_kernel_name(V), P->alpha, dsum, info.lambda);
    if (method == SK_BETA_MC && d >= 3)
      printf("  beta     = %.10g +- %.3g (standard error; %lld paths)\n", res->beta,
             res->stderr_beta, info.mc_paths);
    else
      printf("  beta     = %.15g   (estimated error %.2g)\n", res->beta, res->err_est);
    printf("  naive    = alpha int V = %.15g   (int V = %.15g)\n", res->naive, res->int_V);
    printf("  ratio    = beta / naive = %.10g\n", res->ratio);
    if (d >= 3 && isfinite(cap))
      printf("  DSUM Cap(supp V) = %.10g   (the alpha -> infinity limit)\n", dsum * cap);
    if (info.grid_n) printf("  grid: N = %d cells per axis, %d CG iterations\n", info.grid_n, info.grid_iterations);
    if (isfinite(info.beta_volume))
      printf("  exterior: u(x) = %.15g |x|^(%d) for |x| >= 1\n", info.u_exterior_c, 2 - d);
    if (profile_path)
      printf("  profile: %zu points in %s; max u |x|^(d-2) over |x| >= 1 = %.6g (Lemma 6.3: <= 1)\n",
             prof.n, profile_path, prof.max_ratio);
    if (nmax > 0)
      printf("  table: beta(n,m), n,m <= %lld, in %s/beta_table.{csv,h5}: %s (%zu Chebyshev "
             "pieces, interpolation verified to %.2g)\n",
             nmax, sk_out_dir(out), tab.variant, tab.pieces, tab.verified);
    printf("  seed %llu, model hash %s, %.3g s\n", (unsigned long long)P->seed, hex, seconds);
  }
done:
  free(tab.table);
  free(tab.dif);
  profile_free(&prof);
  sk_beta_solution_free(sol);
  sk_out_free(out);
  sk_cli_free(&c);
  return status;
}
