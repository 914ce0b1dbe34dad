/* smolkin coalescent — the Marcus–Lushnikov process: N particles, every pair
 * merging at rate K(m_i, m_j)/V (V = N/Z), reported as counts/V with standard
 * errors over independent replicas (see docs/coalescent.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smolkin/coalescent.h"
#include "smolkin/json.h"
#include "smolkin/util.h"

static void progress_cb(void *ctx, double f) { sk_progress_update((sk_progress *)ctx, f); }

/* Initial counts from [initial] mass = weights: floor(N w_n), the remainder
 * going to the largest fractional parts (ties: the smaller mass). */
static int initial_counts(const sk_model *m, uint64_t N, uint64_t **out, size_t *nout,
                          sk_error *err) {
  const sk_params *p = sk_model_params(m);
  *out = NULL;
  *nout = 0;
  if (p->mass == SK_MASS_MONO) return SK_OK;
  size_t n = p->nweights;
  uint64_t *c = calloc(n, sizeof *c);
  double *frac = calloc(n, sizeof *frac);
  if (!c || !frac) {
    free(c);
    free(frac);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  uint64_t tot = 0;
  for (size_t i = 0; i < n; ++i) {
    double x = (double)N * p->weights[i];
    c[i] = (uint64_t)floor(x);
    frac[i] = x - floor(x);
    tot += c[i];
  }
  while (tot < N) {
    size_t best = 0;
    for (size_t i = 1; i < n; ++i)
      if (frac[i] > frac[best]) best = i;
    c[best]++;
    frac[best] = -1;
    tot++;
  }
  free(frac);
  *out = c;
  *nout = n;
  return SK_OK;
}

static void csv_stat(FILE *f, sk_ml_stat s) { fprintf(f, ",%.17g,%.17g", s.mean, s.se); }

static int write_out(sk_cli *c, const sk_ml_results *r, const char *kname) {
  sk_out *out = NULL;
  int rc = sk_cli_open_out(c, &out);
  if (rc || !out) return rc;
  FILE *f = sk_out_csv(out, "moments.csv", &c->err);
  if (!f) goto fail;
  fprintf(f, "# Marcus-Lushnikov process, kernel %s, N = %s, V = %.17g, %lld replicas, sampler %s\n",
          kname, sk_model_get_string(c->model, "run.N"), r->volume, r->replicas, r->sampler);
  fprintf(f, "# values are counts / V, each followed by its standard error over the replicas"
             " (empty when there is one replica)\n");
  fprintf(f, "t,M0,M0_se,M1,M1_se,M2,M2_se,tail_mass,tail_mass_se,max_mass,max_mass_se");
  for (size_t k = 0; k < r->nmasses; ++k)
    fprintf(f, ",f_%llu,f_%llu_se", (unsigned long long)r->masses[k],
            (unsigned long long)r->masses[k]);
  fprintf(f, "\n");
  for (size_t i = 0; i < r->ntimes; ++i) {
    fprintf(f, "%.17g", r->t[i]);
    csv_stat(f, r->M0[i]);
    csv_stat(f, r->M1[i]);
    csv_stat(f, r->M2[i]);
    csv_stat(f, r->tail_mass[i]);
    csv_stat(f, r->max_mass[i]);
    for (size_t k = 0; k < r->nmasses; ++k) csv_stat(f, r->f[i * r->nmasses + k]);
    fprintf(f, "\n");
  }
  hid_t h = sk_out_h5(out, "spectrum.h5", &c->err);
  if (h < 0) goto fail;
  size_t nt = r->ntimes, hm = (size_t)r->hist_max;
  size_t d2[2] = {nt, hm};
  int64_t *masses = malloc(hm * sizeof *masses);
  if (!masses) {
    sk_error_set(&c->err, SK_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t m = 0; m < hm; ++m) masses[m] = (int64_t)(m + 1);
  double *tmp = malloc(nt * 2 * sizeof *tmp);
  int ok = tmp != NULL;
  ok = ok && !sk_h5_write_doubles(h, "times", 1, &nt, r->t, &c->err);
  ok = ok && !sk_h5_write_int64(h, "masses", 1, &hm, masses, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "spectrum/mean", 2, d2, r->spec_mean, &c->err);
  ok = ok && !sk_h5_write_doubles(h, "spectrum/stderr", 2, d2, r->spec_se, &c->err);
  const char *names[] = {"M0", "M1", "M2", "tail_mass", "max_mass"};
  const sk_ml_stat *stats[] = {r->M0, r->M1, r->M2, r->tail_mass, r->max_mass};
  for (int q = 0; q < 5 && ok; ++q) {
    char path[64];
    for (size_t i = 0; i < nt; ++i) {
      tmp[i] = stats[q][i].mean;
      tmp[nt + i] = stats[q][i].se;
    }
    snprintf(path, sizeof path, "moments/%s", names[q]);
    ok = !sk_h5_write_doubles(h, path, 1, &nt, tmp, &c->err);
    snprintf(path, sizeof path, "moments/%s_stderr", names[q]);
    ok = ok && !sk_h5_write_doubles(h, path, 1, &nt, tmp + nt, &c->err);
  }
  if (ok) {
    hid_t g = sk_h5_group(h, "spectrum", &c->err);
    ok = g >= 0;
    if (ok) {
      sk_h5_attr_string(g, "description",
                        "mean over replicas of (number of particles of mass n) / V, "
                        "[time index][n - 1], n = 1..hist_max; stderr: its standard error");
      sk_h5_attr_string(g, "kernel", kname);
      sk_h5_attr_double(g, "volume", r->volume);
      sk_h5_attr_int64(g, "replicas", r->replicas);
      sk_h5_attr_int64(g, "hist_max", (int64_t)r->hist_max);
      H5Gclose(g);
    }
  }
  free(masses);
  free(tmp);
  return sk_cli_close_out(c, out, ok);
fail:
  return sk_cli_close_out(c, out, 0);
}

static void print_json(sk_cli *c, const sk_ml_results *r, const sk_ml_kernel *k) {
  sk_json j;
  char hex[17];
  sk_model_hash_hex(c->model, hex);
  sk_json_init(&j, stdout, 0);
  sk_json_begin_object(&j, NULL);
  sk_json_string(&j, "command", "coalescent");
  sk_json_string(&j, "method", "Marcus-Lushnikov, exact (thinning against a majorant)");
  sk_json_uint(&j, "seed", sk_model_params(c->model)->seed);
  sk_json_string(&j, "model_hash", hex);
  sk_json_string(&j, "kernel", sk_ml_kernel_name(k));
  sk_json_double(&j, "scale", sk_ml_kernel_scale(k));
  sk_json_int(&j, "N", sk_model_params(c->model)->N);
  sk_json_double(&j, "volume", r->volume);
  sk_json_int(&j, "replicas", r->replicas);
  sk_json_string(&j, "sampler", r->sampler);
  sk_json_uint(&j, "hist_max", r->hist_max);
  sk_json_begin_array(&j, "results");
  for (size_t i = 0; i < r->ntimes; ++i) {
    sk_json_begin_object(&j, NULL);
    sk_json_double(&j, "t", r->t[i]);
    sk_json_double(&j, "M0", r->M0[i].mean);
    sk_json_double(&j, "M1", r->M1[i].mean);
    sk_json_double(&j, "M2", r->M2[i].mean);
    sk_json_double(&j, "tail_mass", r->tail_mass[i].mean);
    sk_json_double(&j, "max_mass", r->max_mass[i].mean);
    sk_json_begin_object(&j, "f");
    for (size_t q = 0; q < r->nmasses; ++q) {
      char key[32];
      snprintf(key, sizeof key, "%llu", (unsigned long long)r->masses[q]);
      sk_json_double(&j, key, r->f[i * r->nmasses + q].mean);
    }
    sk_json_end_object(&j);
    sk_json_begin_object(&j, "stderr");
    sk_json_double(&j, "M0", r->M0[i].se);
    sk_json_double(&j, "M1", r->M1[i].se);
    sk_json_double(&j, "M2", r->M2[i].se);
    sk_json_double(&j, "tail_mass", r->tail_mass[i].se);
    sk_json_double(&j, "max_mass", r->max_mass[i].se);
    sk_json_begin_object(&j, "f");
    for (size_t q = 0; q < r->nmasses; ++q) {
      char key[32];
      snprintf(key, sizeof key, "%llu", (unsigned long long)r->masses[q]);
      sk_json_double(&j, key, r->f[i * r->nmasses + q].se);
    }
    sk_json_end_object(&j);
    sk_json_end_object(&j);
    sk_json_end_object(&j);
  }
  sk_json_end_array(&j);
  sk_json_null(&j, "gel_time");
  sk_json_double(&j, "events_per_replica", r->events);
  sk_json_double(&j, "proposals_per_replica", r->proposals);
  sk_json_double(&j, "wall_s", r->wall_s);
  sk_json_double(&j, "events_per_s",
                 r->wall_s > 0 ? r->events * (double)r->replicas / r->wall_s : NAN);
  sk_json_end_object(&j);
  sk_json_finish(&j);
}

static void print_pm(sk_ml_stat s) {
  if (isnan(s.se))
    printf("  %13.6g %10s", s.mean, "-");
  else
    printf("  %13.6g %10.2g", s.mean, s.se);
}

static void print_text(sk_cli *c, const sk_ml_results *r, const sk_ml_kernel *k) {
  printf("Marcus-Lushnikov process: kernel %s (scale %g), N = %lld, V = %g, %lld replica%s, "
         "sampler %s, seed %llu\n",
         sk_ml_kernel_name(k), sk_ml_kernel_scale(k), sk_model_params(c->model)->N, r->volume,
         r->replicas, r->replicas == 1 ? "" : "s", r->sampler,
         (unsigned long long)sk_model_params(c->model)->seed);
  printf("per replica: %.0f coagulations, %.0f proposals; %.3g s in all (%.3g coagulations/s)\n",
         r->events, r->proposals, r->wall_s,
         r->wall_s > 0 ? r->events * (double)r->replicas / r->wall_s : NAN);
  printf("values are counts / V: mean and standard error over the replicas%s\n\n",
         r->replicas == 1 ? " (one replica: no standard error)" : "");
  printf("%10s  %13s %10s  %13s %10s  %13s %10s", "t", "M0", "se", "M2", "se", "max_mass", "se");
  for (size_t q = 0; q < r->nmasses; ++q) {
    char h[32];
    snprintf(h, sizeof h, "f(%llu)", (unsigned long long)r->masses[q]);
    printf("  %13s %10s", h, "se");
  }
  printf("\n");
  for (size_t i = 0; i < r->ntimes; ++i) {
    printf("%10.4g", r->t[i]);
    print_pm(r->M0[i]);
    print_pm(r->M2[i]);
    print_pm(r->max_mass[i]);
    for (size_t q = 0; q < r->nmasses; ++q) print_pm(r->f[i * r->nmasses + q]);
    printf("\n");
  }
  int tail = 0;
  for (size_t i = 0; i < r->ntimes; ++i) tail |= r->tail_mass[i].mean > 0;
  if (tail) {
    printf("\nmass in particles heavier than %llu ([coagulation] nmax), per time:",
           (unsigned long long)r->hist_max);
    for (size_t i = 0; i < r->ntimes; ++i) printf(" %.4g", r->tail_mass[i].mean);
    printf("\n");
  }
}

int sk_cmd_coalescent(int argc, char **argv) {
  static const sk_flag flags[] = {
      {"--kernel", "K", "coagulation.kernel", "constant | additive | multiplicative | recipe | table"},
      {"--scale", "S", "coagulation.scale", "multiplies the constant/additive/multiplicative kernel"},
      {"--N", "N", "run.N", "initial number of particles (V = N/Z; Z = [initial] Z, default 1)"},
      {"--times", "T1,T2,...", "run.times", "report times (the run ends at the last one)"},
      {"--replicas", "R", "run.replicas", "independent replicas (standard errors need R >= 2)"},
      {"--seed", "S", "run.seed", "random seed (Philox key; replica r uses stream r)"},
      {"--masses", "n1,n2,...", "observe.masses", "masses n whose f(n, t) = count/V is reported"},
      {"--nmax", "M", "coagulation.nmax",
       "masses kept in the histogram / spectrum; heavier particles form tail_mass"},
      {"--sampler", "S", "coalescent.sampler", "auto | general"},
  };
  sk_cli c;
  int rc = sk_cli_parse_timed(&c, argc, argv, "coalescent",
                        "[MODEL] [--kernel K] [--N N] [--times T1,T2,...] [--replicas R] "
                        "[--seed S] [--masses n1,...] [--json] [--out DIR]",
                        flags, sizeof flags / sizeof *flags, SK_MODEL_OPTIONAL);
  if (rc >= 0) return rc;
  const sk_model *m = c.model;
  const sk_params *p = sk_model_params(m);
  sk_ml_kernel *k = NULL;
  sk_ml_results *res = NULL;
  uint64_t *init = NULL, *masses = NULL;
  size_t ninit = 0;

  if ((unsigned long long)p->N > SK_ML_MASS_MAX) {
    rc = sk_cli_fail(&c, sk_model_key_error(m, "run.N", &c.err,
                                            "the Marcus-Lushnikov process holds at most %llu "
                                            "particles (accepted: 1..%llu)",
                                            SK_ML_MASS_MAX, SK_ML_MASS_MAX));
    goto done;
  }
  if ((rc = sk_ml_kernel_create_from_model(m, &k, &c.err))) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  if ((rc = initial_counts(m, (uint64_t)p->N, &init, &ninit, &c.err))) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  size_t nm;
  const double *ml = sk_model_get_list(m, "observe.masses", &nm);
  masses = malloc((nm + 1) * sizeof *masses);
  if (!masses) {
    rc = sk_cli_fail(&c, sk_error_set(&c.err, SK_ENOMEM, "out of memory"));
    goto done;
  }
  uint64_t hist_max = (uint64_t)sk_model_get_int(m, "coagulation.nmax");
  for (size_t q = 0; q < nm; ++q) {
    masses[q] = (uint64_t)ml[q];
    if (masses[q] > hist_max) hist_max = masses[q];
  }
  sk_progress prog;
  sk_progress_start(&prog, "coalescent", 1.0);
  sk_ml_run_opts o = {
      .cfg = {.N = (uint64_t)p->N,
              .volume = (double)p->N / p->Z,
              .init_counts = init,
              .ninit = ninit,
              .hist_max = hist_max,
              .sampler = sk_model_get_enum(m, "coalescent.sampler") == 1 ? SK_ML_SAMPLER_GENERAL
                                                                          : SK_ML_SAMPLER_AUTO},
      .times = p->times,
      .ntimes = p->ntimes,
      .masses = masses,
      .nmasses = nm,
      .spectrum = c.outdir != NULL,
      .replicas = sk_model_get_int(m, "run.replicas"),
      .seed = p->seed,
      .progress = progress_cb,
      .progress_ctx = &prog,
  };
  rc = sk_ml_run(k, &o, &res, &c.err);
  sk_progress_finish(&prog);
  if (rc) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  if (c.outdir && (rc = write_out(&c, res, sk_ml_kernel_name(k)))) goto done;
  if (c.json)
    print_json(&c, res, k);
  else
    print_text(&c, res, k);
  rc = 0;
done:
  sk_ml_results_free(res);
  sk_ml_kernel_free(k);
  free(init);
  free(masses);
  sk_cli_free(&c);
  return rc;
}
