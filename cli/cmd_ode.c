/* smolkin ode — the Smoluchowski coagulation ODE (2.1) for the model's
 * kernel and initial data, truncated at nmax with the tail accounted for
 * (include/smolkin/ode.h, docs/ode.md). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "smolkin/json.h"
#include "smolkin/ode.h"
#include "smolkin/util.h"

typedef struct {
  size_t nt, nm;
  long long M;
  const double *t;
  long long *masses;
  double *M0, *M1, *M2, *tail, *tailN, *f; /* f[i * nm + q] */
  double *spec;                            /* [nt][M] when --out */
} results;

static void json_num_or_null(sk_json *j, const char *key, double v) {
  if (isfinite(v))
    sk_json_double(j, key, v);
  else
    sk_json_null(j, key);
}

static void print_json(sk_cli *c, const results *r, sk_ode *e, double wall) {
  const sk_coag *co = sk_ode_coag(e);
  sk_ode_stats st;
  sk_ode_get_stats(e, &st);
  char hex[17];
  sk_model_hash_hex(c->model, hex);
  sk_json j;
  sk_json_init(&j, stdout, 0);
  sk_json_begin_object(&j, NULL);
  sk_json_string(&j, "command", "ode");
  sk_json_string(&j, "method",
                 strcmp(sk_ode_linsol_name(e), "exact") == 0
                     ? "CVODE BDF, modified Newton with exact linear solves (FFT forward substitution)"
                     : "CVODE BDF, Newton-GMRES (exact Jacobian-vector products)");
  sk_json_string(&j, "linsol", sk_ode_linsol_name(e));
  sk_json_string(&j, "model_hash", hex);
  sk_json_string(&j, "kernel", sk_coag_kind_name(sk_coag_get_kind(co)));
  sk_json_double(&j, "scale", sk_coag_scale(co));
  sk_json_int(&j, "nmax", sk_coag_nmax(co));
  sk_json_string(&j, "sums", sk_coag_path_name(co));
  sk_json_int(&j, "lowrank_rank", sk_coag_rank(co));
  sk_json_double(&j, "lowrank_error", sk_coag_approx_error(co));
  sk_json_string(&j, "post_gel", sk_ode_postgel_name(sk_ode_get_postgel(e)));
  sk_json_double(&j, "rtol", sk_model_get_double(c->model, "coagulation.rtol"));
  sk_json_double(&j, "atol", sk_model_get_double(c->model, "coagulation.atol"));
  sk_json_begin_array(&j, "results");
  for (size_t i = 0; i < r->nt; ++i) {
    sk_json_begin_object(&j, NULL);
    sk_json_double(&j, "t", r->t[i]);
    sk_json_double(&j, "M0", r->M0[i]);
    sk_json_double(&j, "M1", r->M1[i]);
    sk_json_double(&j, "M2", r->M2[i]);
    sk_json_double(&j, "tail_mass", r->tail[i]);
    json_num_or_null(&j, "tail_number", r->tailN[i]);
    sk_json_begin_object(&j, "f");
    for (size_t q = 0; q < r->nm; ++q) {
      char key[32];
      snprintf(key, sizeof key, "%lld", r->masses[q]);
      sk_json_double(&j, key, r->f[i * r->nm + q]);
    }
    sk_json_end_object(&j);
    sk_json_end_object(&j);
  }
  sk_json_end_array(&j);
  json_num_or_null(&j, "gel_time", sk_ode_gel_time(e));
  sk_json_double(&j, "mass_defect", sk_ode_mass_defect(e));
  sk_json_begin_object(&j, "solver");
  sk_json_int(&j, "steps", st.steps);
  sk_json_int(&j, "rhs_evals", st.rhs_evals);
  sk_json_int(&j, "jvp_evals", st.jvp_evals);
  sk_json_int(&j, "newton_iters", st.newton_iters);
  sk_json_int(&j, "linear_solves", st.lin_iters);
  sk_json_int(&j, "error_test_fails", st.err_test_fails);
  sk_json_int(&j, "newton_fails", st.newton_fails);
  sk_json_int(&j, "restarts", st.restarts);
  sk_json_end_object(&j);
  sk_json_double(&j, "wall_s", wall);
  sk_json_end_object(&j);
  sk_json_finish(&j);
}

static void print_text(sk_cli *c, const results *r, sk_ode *e, double wall) {
  (void)c;
  const sk_coag *co = sk_ode_coag(e);
  sk_ode_stats st;
  sk_ode_get_stats(e, &st);
  printf("Smoluchowski ODE: kernel %s (scale %g), nmax = %lld, sums %s", sk_coag_kind_name(sk_coag_get_kind(co)),
         sk_coag_scale(co), sk_coag_nmax(co), sk_coag_path_name(co));
  if (sk_coag_rank(co) > 0)
    printf(" (rank %d, largest relative kernel error %.2g)", sk_coag_rank(co), sk_coag_approx_error(co));
  printf(", tail: %s\n", sk_ode_postgel_name(sk_ode_get_postgel(e)));
  printf("CVODE BDF (Newton systems: %s): %ld steps, %ld right-hand sides, %ld linear solves, "
         "%ld Jacobian products; %.3g s; mass defect %.2g\n\n",
         sk_ode_linsol_name(e), st.steps, st.rhs_evals, st.lin_iters, st.jvp_evals, wall,
         sk_ode_mass_defect(e));
  printf("%10s %14s %14s %14s %14s", "t", "M0", "M1", "M2", "tail_mass");
  for (size_t q = 0; q < r->nm; ++q) {
    char h[32];
    snprintf(h, sizeof h, "f(%lld)", r->masses[q]);
    printf(" %14s", h);
  }
  printf("\n");
  for (size_t i = 0; i < r->nt; ++i) {
    printf("%10.4g %14.8g %14.8g %14.8g %14.6g", r->t[i], r->M0[i], r->M1[i], r->M2[i], r->tail[i]);
    for (size_t q = 0; q < r->nm; ++q) printf(" %14.8g", r->f[i * r->nm + q]);
    printf("\n");
  }
  double tg = sk_ode_gel_time(e);
  if (isfinite(tg))
    printf("\ngelation detected: estimated gel time %.6g (M2 blow-up; see docs/ode.md)\n", tg);
  else
    printf("\nno gelation detected\n");
}

static int write_out(sk_cli *c, const results *r, sk_ode *e) {
  sk_out *out = NULL;
  int rc = sk_cli_open_out(c, &out);
  if (rc || !out) return rc;
  const sk_coag *co = sk_ode_coag(e);
  FILE *f = sk_out_csv(out, "moments.csv", &c->err);
  if (!f) goto fail;
  fprintf(f, "# Smoluchowski ODE, kernel %s, scale %.17g, nmax %lld, sums %s, tail %s\n",
          sk_coag_kind_name(sk_coag_get_kind(co)), sk_coag_scale(co), sk_coag_nmax(co),
          sk_coag_path_name(co), sk_ode_postgel_name(sk_ode_get_postgel(e)));
  fprintf(f, "# moments of the sol (masses 1..nmax); tail_mass beyond nmax; gel_time %.17g\n",
          sk_ode_gel_time(e));
  fprintf(f, "t,M0,M1,M2,tail_mass,tail_number");
  for (size_t q = 0; q < r->nm; ++q) fprintf(f, ",f_%lld", r->masses[q]);
  fprintf(f, "\n");
  for (size_t i = 0; i < r->nt; ++i) {
    fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,", r->t[i], r->M0[i], r->M1[i], r->M2[i], r->tail[i]);
    if (isfinite(r->tailN[i])) fprintf(f, "%.17g", r->tailN[i]);
    for (size_t q = 0; q < r->nm; ++q) fprintf(f, ",%.17g", r->f[i * r->nm + q]);
    fprintf(f, "\n");
  }
  hid_t h = sk_out_h5(out, "spectrum.h5", &c->err);
  if (h < 0) goto fail;
  size_t nt = r->nt, M = (size_t)r->M, d2[2] = {nt, M};
  int64_t *masses = malloc(M * sizeof *masses);
  if (!masses) {
    sk_error_set(&c->err, SK_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t n = 0; n < M; ++n) masses[n] = (int64_t)(n + 1);
  int ok = !sk_h5_write_doubles(h, "times", 1, &nt, r->t, &c->err);
  ok = ok && !sk_h5_write_int64(h, "masses", 1, &M, masses, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "f", 2, d2, r->spec, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "moments/M0", 1, &nt, r->M0, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "moments/M1", 1, &nt, r->M1, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "moments/M2", 1, &nt, r->M2, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "moments/tail_mass", 1, &nt, r->tail, &c->err);
  free(masses);
  if (ok) {
    hid_t ds = H5Dopen2(h, "f", H5P_DEFAULT);
    if (ds >= 0) {
      sk_h5_attr_string(ds, "description", "f_n(t): [time index][n - 1], n = 1..nmax");
      sk_h5_attr_string(ds, "kernel", sk_coag_kind_name(sk_coag_get_kind(co)));
      sk_h5_attr_string(ds, "post_gel", sk_ode_postgel_name(sk_ode_get_postgel(e)));
      sk_h5_attr_double(ds, "gel_time", sk_ode_gel_time(e));
      H5Dclose(ds);
    }
  }
  return sk_cli_close_out(c, out, ok);
fail:
  return sk_cli_close_out(c, out, 0);
}

static void results_free(results *r) {
  free(r->masses);
  free(r->M0);
  free(r->M1);
  free(r->M2);
  free(r->tail);
  free(r->tailN);
  free(r->f);
  free(r->spec);
}

int sk_cmd_ode(int argc, char **argv) {
  static const sk_flag flags[] = {
      {"--kernel", "K", "coagulation.kernel", "constant | additive | multiplicative | recipe | table"},
      {"--scale", "S", "coagulation.scale", "multiplies the constant/additive/multiplicative kernel"},
      {"--nmax", "M", "coagulation.nmax", "largest mass tracked; heavier mass is the tail"},
      {"--table", "FILE", "coagulation.table", "kernel = table: file of K(n, m)"},
      {"--method", "M", "coagulation.method", "coagulation sums: auto | direct | fft | lowrank"},
      {"--times", "T1,T2,...", "run.times", "report times (the run ends at the last one)"},
      {"--masses", "n1,n2,...", "observe.masses", "masses n whose f(n, t) is reported"},
      {"--post-gel", "P", "coagulation.post_gel",
       "stockmayer (inert tail/gel) | flory (the tail coagulates; classical kernels)"},
      {"--rtol", "R", "coagulation.rtol", "relative tolerance of the integrator"},
      {"--atol", "A", "coagulation.atol", "absolute tolerance per f_n, in units of [initial] Z"},
      {"--linsol", "L", "coagulation.linsol", "Newton systems: auto | exact | gmres"},
  };
  sk_cli c;
  int rc = sk_cli_parse_timed(&c, argc, argv, "ode",
                        "[MODEL] [--kernel K] [--nmax M] [--times T1,T2,...] [--masses n1,...] "
                        "[--post-gel flory|stockmayer] [--json] [--out DIR]",
                        flags, sizeof flags / sizeof *flags, SK_MODEL_OPTIONAL);
  if (rc >= 0) return rc;
  const sk_model *m = c.model;
  const sk_params *p = sk_model_params(m);
  sk_ode *e = NULL;
  results r;
  memset(&r, 0, sizeof r);
  long long M = sk_model_get_int(m, "coagulation.nmax");
  size_t nm;
  const double *ml = sk_model_get_list(m, "observe.masses", &nm);
  if ((rc = sk_cli_check_masses(&c, "observe.masses"))) goto done;
  int threads = c.threads > 0 ? c.threads : omp_get_max_threads();
  if ((rc = sk_ode_create_from_model(m, threads, &e, &c.err))) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  r.nt = p->ntimes;
  r.nm = nm;
  r.M = M;
  r.t = p->times;
  r.masses = malloc((nm + 1) * sizeof *r.masses);
  r.M0 = malloc(r.nt * sizeof(double));
  r.M1 = malloc(r.nt * sizeof(double));
  r.M2 = malloc(r.nt * sizeof(double));
  r.tail = malloc(r.nt * sizeof(double));
  r.tailN = malloc(r.nt * sizeof(double));
  r.f = malloc((r.nt * nm + 1) * sizeof(double));
  if (c.outdir) r.spec = malloc(r.nt * (size_t)M * sizeof(double));
  if (!r.masses || !r.M0 || !r.M1 || !r.M2 || !r.tail || !r.tailN || !r.f ||
      (c.outdir && !r.spec)) {
    rc = sk_cli_fail(&c, sk_error_set(&c.err, SK_ENOMEM, "out of memory"));
    goto done;
  }
  for (size_t q = 0; q < nm; ++q) r.masses[q] = (long long)ml[q];
  sk_progress prog;
  sk_progress_start(&prog, "ode", 1.0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double tend = r.nt ? r.t[r.nt - 1] : 0;
  for (size_t i = 0; i < r.nt; ++i) {
    if ((rc = sk_ode_advance(e, r.t[i], &c.err))) break;
    r.M0[i] = sk_ode_moment(e, 0);
    r.M1[i] = sk_ode_moment(e, 1);
    r.M2[i] = sk_ode_moment(e, 2);
    r.tail[i] = sk_ode_tail_mass(e);
    r.tailN[i] = sk_ode_tail_number(e);
    for (size_t q = 0; q < nm; ++q) r.f[i * nm + q] = sk_ode_f_at(e, r.masses[q]);
    if (r.spec) memcpy(r.spec + i * (size_t)M, sk_ode_f(e), (size_t)M * sizeof(double));
    if (tend > 0) sk_progress_update(&prog, r.t[i] / tend);
  }
  sk_progress_finish(&prog);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  if (rc) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  if (c.outdir && (rc = write_out(&c, &r, e))) goto done;
  if (c.json)
    print_json(&c, &r, e, wall);
  else
    print_text(&c, &r, e, wall);
  rc = 0;
done:
  results_free(&r);
  sk_ode_free(e);
  sk_cli_free(&c);
  return rc;
}
