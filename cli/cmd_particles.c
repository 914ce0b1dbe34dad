/* smolkin particles — the microscopic model P_N (SPEC §2) with an engine
 * ([particles] engine; bd = reference Brownian dynamics). Reports at the
 * [run] times the alive fraction, (Z/N) counts by mass and the [observe]
 * functionals, with standard errors over replicas. On the homogeneous torus
 * with annihilation (SPEC §7) it prints the two predictions 1/(1+beta Z t)
 * (the model's beta: recipe / (2.4) / naive for range_exponent < 1) and
 * 1/(1+alpha int V Z t) beside the simulation, with z-scores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smolkin/beta.h"
#include "smolkin/json.h"
#include "smolkin/kernel.h"
#include "smolkin/particles.h"
#include "smolkin/util.h"

typedef struct {
  int on;
  double beta, naive, scale; /* h = 1/(1 + beta * scale * t), scale = Z / box^d */
  double eps_coef;           /* d = 3: first-order finite-eps term (0 otherwise) */
  const char *variant;
} prediction;

/* Predictions for the homogeneous torus test: annihilation, torus, uniform,
 * one mass. */
static int predict(const sk_model *m, prediction *pr, sk_error *err) {
  const sk_params *p = sk_model_params(m);
  memset(pr, 0, sizeof *pr);
  if (p->geometry != SK_GEOM_TORUS || p->space != SK_SPACE_UNIFORM ||
      sk_model_get_enum(m, "particles.reaction") != 1 || sk_model_max_initial_mass(m) > 1 ||
      (p->mass == SK_MASS_WEIGHTS && p->nweights > 1))
    return SK_OK;
  sk_beta_opts o;
  sk_beta_opts_init(&o, sk_kernel_is_radial(sk_model_kernel(m)) ? SK_BETA_RADIAL : SK_BETA_GRID);
  sk_beta_kernel *bk = NULL;
  int rc = sk_beta_kernel_create(m, 1, &o, &bk, err);
  if (rc) return rc;
  pr->beta = sk_beta_kernel_eval(bk, 1, 1);
  pr->variant = sk_beta_kernel_variant(bk);
  sk_beta_kernel_free(bk);
  pr->naive = sk_model_alpha(m, 1, 1) * sk_kernel_integral(sk_model_kernel(m));
  pr->scale = p->Z / pow(p->box, p->dim);
  /* d = 3: a pair's reaction rate approaches its limit k = beta Z / N =
   * beta eps as k (1 + k / (4 pi D sqrt(pi D t))) (Smoluchowski's long-time
   * expansion, D = 2 dif(1)); this adds beta^2 rho eps sqrt(t) /
   * (2 pi^1.5 D^1.5) to 1/h - 1, rho = Z / box^3 (docs/particles.md). */
  if (p->dim == 3) {
    double D = 2 * sk_model_dif(m, 1);
    double eps = p->Z / (double)p->N;
    pr->eps_coef = eps / (2 * pow(M_PI, 1.5) * pow(D, 1.5));
  }
  pr->on = 1;
  return SK_OK;
}

static double pred_h(double beta, double scale, double t) { return 1.0 / (1.0 + beta * scale * t); }
/* With the first-order finite-eps term (d = 3). */
static double pred_h_eps(const prediction *pr, double t) {
  double bs = pr->beta * pr->scale;
  return 1.0 / (1.0 + bs * t + bs * bs * pr->eps_coef * sqrt(t) / pr->scale);
}

static void mass_key(char *buf, size_t n, long long m) { snprintf(buf, n, "%lld", m); }

static void print_json(sk_cli *c, const sk_particles_results *r, const prediction *pr) {
  sk_json j;
  char hex[17], key[64];
  sk_model_hash_hex(c->model, hex);
  sk_json_init(&j, stdout, 0);
  sk_json_begin_object(&j, NULL);
  sk_json_string(&j, "command", "particles");
  sk_json_string(&j, "engine", r->engine);
  sk_json_uint(&j, "seed", sk_model_params(c->model)->seed);
  sk_json_string(&j, "model_hash", hex);
  sk_json_int(&j, "N", r->N);
  sk_json_double(&j, "epsilon", r->epsilon);
  sk_json_double(&j, "dt", r->dt);
  sk_json_double(&j, "dt_factor", sk_model_get_double(c->model, "particles.dt_factor"));
  sk_json_int(&j, "replicas", r->replicas);
  if (pr->on) {
    sk_json_begin_object(&j, "prediction");
    sk_json_double(&j, "beta", pr->beta);
    sk_json_string(&j, "beta_variant", pr->variant);
    sk_json_double(&j, "beta_naive", pr->naive);
    sk_json_double(&j, "density", pr->scale);
    sk_json_end_object(&j);
  }
  sk_json_begin_array(&j, "results");
  for (size_t i = 0; i < r->ntimes; ++i) {
    sk_json_begin_object(&j, NULL);
    sk_json_double(&j, "t", r->t[i]);
    sk_json_double(&j, "alive_fraction", r->alive_fraction[i].mean);
    sk_json_double(&j, "stderr", r->alive_fraction[i].se);
    sk_json_double(&j, "total_mass", r->total_mass[i].mean);
    sk_json_double(&j, "annihilated_mass", r->removed_mass[i].mean);
    sk_json_begin_object(&j, "by_mass");
    for (size_t q = 0; q < r->nmasses; ++q) {
      mass_key(key, sizeof key, r->masses[q]);
      sk_json_double(&j, key, r->by_mass[i * r->nmasses + q].mean);
    }
    sk_json_double(&j, "heavier", r->heavier[i].mean);
    sk_json_end_object(&j);
    sk_json_begin_object(&j, "by_mass_stderr");
    for (size_t q = 0; q < r->nmasses; ++q) {
      mass_key(key, sizeof key, r->masses[q]);
      sk_json_double(&j, key, r->by_mass[i * r->nmasses + q].se);
    }
    sk_json_double(&j, "heavier", r->heavier[i].se);
    sk_json_end_object(&j);
    for (int pass = 0; pass < 2; ++pass) {
      sk_json_begin_object(&j, pass ? "observe_stderr" : "observe");
      for (size_t f = 0; f < r->nobs; ++f) {
        sk_json_begin_object(&j, r->obs_names[f]);
        for (size_t q = 0; q < r->nobs_masses; ++q) {
          const sk_pstat *s = &r->observe[(i * r->nobs + f) * r->nobs_masses + q];
          mass_key(key, sizeof key, r->obs_masses[q]);
          sk_json_double(&j, key, pass ? s->se : s->mean);
        }
        sk_json_end_object(&j);
      }
      sk_json_end_object(&j);
    }
    if (pr->on) {
      double hb = pred_h(pr->beta, pr->scale, r->t[i]), hn = pred_h(pr->naive, pr->scale, r->t[i]);
      double se = r->alive_fraction[i].se;
      sk_json_double(&j, "predicted_beta", hb);
      sk_json_double(&j, "predicted_naive", hn);
      sk_json_double(&j, "z_beta", (r->alive_fraction[i].mean - hb) / se);
      sk_json_double(&j, "z_naive", (r->alive_fraction[i].mean - hn) / se);
      if (pr->eps_coef > 0) {
        double he = pred_h_eps(pr, r->t[i]);
        sk_json_double(&j, "predicted_beta_eps", he);
        sk_json_double(&j, "z_beta_eps", (r->alive_fraction[i].mean - he) / se);
      }
    }
    sk_json_end_object(&j);
  }
  sk_json_end_array(&j);
  sk_json_begin_object(&j, "counters");
  sk_json_int(&j, "steps", r->counters.steps);
  sk_json_int(&j, "particle_steps", r->counters.particle_steps);
  sk_json_int(&j, "pair_checks", r->counters.pair_checks);
  sk_json_int(&j, "pairs_in_range", r->counters.pairs_in_range);
  sk_json_int(&j, "reactions", r->counters.reactions);
  sk_json_int(&j, "conflicts", r->counters.conflicts);
  sk_json_int(&j, "pair_list_builds", r->counters.rebuilds);
  sk_json_end_object(&j);
  sk_json_double(&j, "wall_s", r->wall_s);
  sk_json_double(&j, "particle_steps_per_s",
                 r->wall_s > 0 ? (double)r->counters.particle_steps / r->wall_s : NAN);
  sk_json_end_object(&j);
  sk_json_finish(&j);
}

static void print_text(sk_cli *c, const sk_particles_results *r, const prediction *pr) {
  printf("particles (engine %s): d = %d, N = %lld, eps = %.6g, dt = %.6g, %lld replica%s, seed %llu\n",
         r->engine, r->dim, r->N, r->epsilon, r->dt, r->replicas, r->replicas == 1 ? "" : "s",
         (unsigned long long)sk_model_params(c->model)->seed);
  printf("%lld steps, %lld particle-steps, %lld reactions (%lld dropped as conflicts), %.3g s\n",
         r->counters.steps, r->counters.particle_steps, r->counters.reactions,
         r->counters.conflicts, r->wall_s);
  if (pr->on)
    printf("predictions 1/(1 + beta rho t), rho = %g: beta = %.6g (%s), naive alpha int V = %.6g\n",
           pr->scale, pr->beta, pr->variant, pr->naive);
  size_t nshow = r->nmasses < 3 ? r->nmasses : 3; /* (Z/N) counts of masses 1..3 */
  printf("\n%12s %12s %10s", "t", "alive", "se");
  if (pr->on) printf(" %12s %8s %12s %8s", "beta-pred", "z", "naive-pred", "z");
  printf(" %12s", "mass/N");
  if (!pr->on)
    for (size_t q = 0; q < nshow; ++q) {
      char h[32];
      snprintf(h, sizeof h, "f(%lld)", r->masses[q]);
      printf(" %12s", h);
    }
  printf("\n");
  for (size_t i = 0; i < r->ntimes; ++i) {
    const sk_pstat *a = &r->alive_fraction[i];
    if (isnan(a->se))
      printf("%12.6g %12.6g %10s", r->t[i], a->mean, "-");
    else
      printf("%12.6g %12.6g %10.3g", r->t[i], a->mean, a->se);
    if (pr->on) {
      double hb = pred_h(pr->beta, pr->scale, r->t[i]), hn = pred_h(pr->naive, pr->scale, r->t[i]);
      if (isnan(a->se))
        printf(" %12.6g %8s %12.6g %8s", hb, "-", hn, "-");
      else
        printf(" %12.6g %8.2f %12.6g %8.2f", hb, (a->mean - hb) / a->se, hn, (a->mean - hn) / a->se);
    }
    printf(" %12.6g", r->total_mass[i].mean);
    if (!pr->on)
      for (size_t q = 0; q < nshow; ++q) printf(" %12.6g", r->by_mass[i * r->nmasses + q].mean);
    printf("\n");
  }
  if (!pr->on) printf("\nf(n) = (Z/N) x number of mass-n particles (all masses: --json or --out)\n");
}

static int write_out(sk_cli *c, const sk_particles_results *r, const prediction *pr) {
  sk_out *out = NULL;
  int rc = sk_cli_open_out(c, &out);
  if (rc || !out) return rc;
  FILE *f = sk_out_csv(out, "particles.csv", &c->err);
  if (!f) goto fail;
  fprintf(f, "# particles, engine %s, d = %d, N = %lld, eps = %.17g, dt = %.17g, %lld replicas\n",
          r->engine, r->dim, r->N, r->epsilon, r->dt, r->replicas);
  fprintf(f, "# alive_fraction = alive/N; by-mass columns n_<m> = (Z/N) count of mass m; "
             "each value followed by its standard error over replicas\n");
  fprintf(f, "t,alive_fraction,alive_fraction_se,total_mass,total_mass_se,annihilated_mass,"
             "annihilated_mass_se");
  for (size_t q = 0; q < r->nmasses; ++q) fprintf(f, ",n_%lld,n_%lld_se", r->masses[q], r->masses[q]);
  fprintf(f, ",heavier,heavier_se");
  for (size_t ff = 0; ff < r->nobs; ++ff)
    for (size_t q = 0; q < r->nobs_masses; ++q)
      fprintf(f, ",%s_m%lld,%s_m%lld_se", r->obs_names[ff], r->obs_masses[q], r->obs_names[ff],
              r->obs_masses[q]);
  if (pr->on) fprintf(f, ",predicted_beta,predicted_naive");
  fprintf(f, "\n");
  for (size_t i = 0; i < r->ntimes; ++i) {
    fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", r->t[i], r->alive_fraction[i].mean,
            r->alive_fraction[i].se, r->total_mass[i].mean, r->total_mass[i].se,
            r->removed_mass[i].mean, r->removed_mass[i].se);
    for (size_t q = 0; q < r->nmasses; ++q)
      fprintf(f, ",%.17g,%.17g", r->by_mass[i * r->nmasses + q].mean, r->by_mass[i * r->nmasses + q].se);
    fprintf(f, ",%.17g,%.17g", r->heavier[i].mean, r->heavier[i].se);
    for (size_t q = 0; q < r->nobs * r->nobs_masses; ++q) {
      const sk_pstat *s = &r->observe[i * r->nobs * r->nobs_masses + q];
      fprintf(f, ",%.17g,%.17g", s->mean, s->se);
    }
    if (pr->on)
      fprintf(f, ",%.17g,%.17g", pred_h(pr->beta, pr->scale, r->t[i]),
              pred_h(pr->naive, pr->scale, r->t[i]));
    fprintf(f, "\n");
  }
  hid_t h = sk_out_h5(out, "particles.h5", &c->err);
  if (h < 0) goto fail;
  size_t nt = r->ntimes;
  double *tmp = malloc(2 * nt * sizeof *tmp);
  if (!tmp) {
    sk_error_set(&c->err, SK_ENOMEM, "out of memory");
    goto fail;
  }
  int ok = 1;
  {
    /* H5MD: /h5md, /observables/<name>/{step,time,value}, /particles/all */
    hid_t g = sk_h5_group(h, "h5md", &c->err);
    ok = g >= 0;
    if (ok) {
      int64_t ver[2] = {1, 1};
      size_t two = 2;
      ok = !sk_h5_write_int64(g, "version", 1, &two, ver, &c->err);
      hid_t cr = sk_h5_group(g, "creator", &c->err);
      if (cr >= 0) {
        sk_h5_attr_string(cr, "name", "smolkin");
        sk_h5_attr_string(cr, "version", SK_VERSION);
        H5Gclose(cr);
      }
      H5Gclose(g);
    }
    const char *names[] = {"alive_fraction", "total_mass", "annihilated_mass"};
    const sk_pstat *st[] = {r->alive_fraction, r->total_mass, r->removed_mass};
    for (int q = 0; q < 3 && ok; ++q) {
      char path[128];
      for (size_t i = 0; i < nt; ++i) {
        tmp[i] = st[q][i].mean;
        tmp[nt + i] = st[q][i].se;
      }
      snprintf(path, sizeof path, "observables/%s/value", names[q]);
      ok = !sk_h5_write_doubles(h, path, 1, &nt, tmp, &c->err);
      snprintf(path, sizeof path, "observables/%s/stderr", names[q]);
      ok = ok && !sk_h5_write_doubles(h, path, 1, &nt, tmp + nt, &c->err);
      snprintf(path, sizeof path, "observables/%s/time", names[q]);
      ok = ok && !sk_h5_write_doubles(h, path, 1, &nt, r->t, &c->err);
    }
    size_t nm = r->nmasses;
    double *bm = malloc(2 * nt * (nm + 1) * sizeof *bm);
    int64_t *ms = malloc(nm * sizeof *ms);
    if (ok && bm && ms) {
      size_t d2[2] = {nt, nm};
      for (size_t i = 0; i < nt * nm; ++i) {
        bm[i] = r->by_mass[i].mean;
        bm[nt * nm + i] = r->by_mass[i].se;
      }
      for (size_t q = 0; q < nm; ++q) ms[q] = r->masses[q];
      ok = !sk_h5_write_doubles(h, "observables/by_mass/value", 2, d2, bm, &c->err) &&
           !sk_h5_write_doubles(h, "observables/by_mass/stderr", 2, d2, bm + nt * nm, &c->err) &&
           !sk_h5_write_int64(h, "observables/by_mass/masses", 1, &nm, ms, &c->err) &&
           !sk_h5_write_doubles(h, "observables/by_mass/time", 1, &nt, r->t, &c->err);
    } else if (ok) {
      ok = 0;
      sk_error_set(&c->err, SK_ENOMEM, "out of memory");
    }
    free(bm);
    free(ms);
    size_t no = r->nobs * r->nobs_masses;
    if (ok && no) {
      double *ov = malloc(2 * nt * no * sizeof *ov);
      if (!ov) {
        ok = 0;
        sk_error_set(&c->err, SK_ENOMEM, "out of memory");
      } else {
        size_t d3[3] = {nt, r->nobs, r->nobs_masses};
        for (size_t i = 0; i < nt * no; ++i) {
          ov[i] = r->observe[i].mean;
          ov[nt * no + i] = r->observe[i].se;
        }
        ok = !sk_h5_write_doubles(h, "observables/observe/value", 3, d3, ov, &c->err) &&
             !sk_h5_write_doubles(h, "observables/observe/stderr", 3, d3, ov + nt * no, &c->err) &&
             !sk_h5_write_doubles(h, "observables/observe/time", 1, &nt, r->t, &c->err);
        free(ov);
      }
    }
    if (ok && r->snap) {
      /* /particles/all/{position,id,mass}: padded to N (position NaN, id -1, mass 0) */
      size_t N = (size_t)r->N, d = (size_t)r->dim;
      double *pos = malloc(nt * N * d * sizeof *pos);
      int64_t *ids = malloc(nt * N * sizeof *ids), *mas = malloc(nt * N * sizeof *mas);
      int64_t *stp = malloc(nt * sizeof *stp);
      if (!pos || !ids || !mas || !stp) {
        ok = 0;
        sk_error_set(&c->err, SK_ENOMEM, "out of memory for the snapshots");
      } else {
        for (size_t i = 0; i < nt; ++i) {
          const sk_particles_snapshot *s = &r->snap[i];
          stp[i] = s->step;
          for (size_t q = 0; q < N; ++q) {
            int in = q < s->n;
            ids[i * N + q] = in ? s->id[q] : -1;
            mas[i * N + q] = in ? s->mass[q] : 0;
            for (size_t k = 0; k < d; ++k) pos[(i * N + q) * d + k] = in ? s->x[q * d + k] : NAN;
          }
        }
        size_t d3[3] = {nt, N, d}, d2[2] = {nt, N};
        const char *grp[] = {"position", "id", "mass"};
        for (int q = 0; q < 3 && ok; ++q) {
          char path[128];
          snprintf(path, sizeof path, "particles/all/%s/value", grp[q]);
          ok = q == 0 ? !sk_h5_write_doubles(h, path, 3, d3, pos, &c->err)
                      : !sk_h5_write_int64(h, path, 2, d2, q == 1 ? ids : mas, &c->err);
          snprintf(path, sizeof path, "particles/all/%s/time", grp[q]);
          ok = ok && !sk_h5_write_doubles(h, path, 1, &nt, r->t, &c->err);
          snprintf(path, sizeof path, "particles/all/%s/step", grp[q]);
          ok = ok && !sk_h5_write_int64(h, path, 1, &nt, stp, &c->err);
        }
        if (ok) {
          hid_t g = sk_h5_group(h, "particles/all/box", &c->err);
          if (g >= 0) {
            sk_h5_attr_int64(g, "dimension", (int64_t)d);
            sk_h5_attr_string(g, "boundary", sk_model_params(c->model)->geometry == SK_GEOM_TORUS
                                                 ? "periodic"
                                                 : "none");
            sk_h5_attr_double(g, "edge", sk_model_params(c->model)->box);
            H5Gclose(g);
          }
        }
      }
      free(pos);
      free(ids);
      free(mas);
      free(stp);
    }
  }
  free(tmp);
  return sk_cli_close_out(c, out, ok);
fail:
  return sk_cli_close_out(c, out, 0);
}

static void progress_cb(void *ctx, double f) { sk_progress_update((sk_progress *)ctx, f); }

int sk_cmd_particles(int argc, char **argv) {
  static const sk_flag flags[] = {
      {"--N", "N", "run.N", "initial number of particles (eps from N eps^(d-2) = Z; d = 2: eps = exp(-N/Z))"},
      {"--seed", "S", "run.seed", "random seed (Philox key)"},
      {"--replicas", "R", "run.replicas", "independent replicas (standard errors need R >= 2)"},
      {"--engine", "E", "particles.engine", "particle engine: bd (reference Brownian dynamics)"},
      {"--times", "T1,T2,...", "run.times", "report times (the run ends at the last one)"},
      {"--dt-factor", "C", "particles.dt_factor", "bd: dt = C eps^2 / max dif"},
      {"--reaction", "R", "particles.reaction", "coagulation | annihilation"},
  };
  sk_cli c;
  int rc = sk_cli_parse_timed(&c, argc, argv, "particles",
                        "MODEL [--N N] [--seed S] [--replicas R] [--engine bd] [--times T1,...] "
                        "[--json] [--out DIR]",
                        flags, sizeof flags / sizeof *flags, SK_MODEL_REQUIRED);
  if (rc >= 0) return rc;
  const sk_model *m = c.model;
  sk_particles_results *res = NULL;
  prediction pr;
  /* validate the model for particles before anything runs (exit 2, nothing written) */
  {
    sk_particles *probe = NULL;
    const sk_params *pp = sk_model_params(m);
    if (pp->geometry == SK_GEOM_RADIAL || pp->dim < 2 || pp->p < 0) {
      rc = sk_particles_create(m, &probe, &c.err);
      sk_particles_free(probe);
      rc = sk_cli_fail(&c, rc ? rc : SK_EINVAL);
      goto done;
    }
    rc = sk_particles_create(m, &probe, &c.err);
    double steps = probe ? pp->T / sk_particles_dt(probe) : 0;
    sk_particles_free(probe);
    if (rc) {
      rc = sk_cli_fail(&c, rc);
      goto done;
    }
    if (steps > 1e13) {
      rc = sk_cli_fail(&c, sk_model_key_error(m, "run.N", &c.err,
                                              "reaching T = %g needs %.3g time steps (accepted: "
                                              "fewer than 1e13; a smaller N or an earlier T)",
                                              pp->T, steps));
      goto done;
    }
  }
  if ((rc = predict(m, &pr, &c.err))) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  sk_progress prog;
  sk_progress_start(&prog, "particles", 1.0);
  sk_particles_run_opts o = {.replicas = sk_model_get_int(m, "run.replicas"),
                             .threads = c.threads,
                             .snapshots = sk_model_get_bool(m, "particles.snapshots") && c.outdir,
                             .progress = progress_cb,
                             .progress_ctx = &prog};
  rc = sk_particles_run(m, &o, &res, &c.err);
  sk_progress_finish(&prog);
  if (rc) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  if (c.outdir && (rc = write_out(&c, res, &pr))) goto done;
  if (c.json)
    print_json(&c, res, &pr);
  else
    print_text(&c, res, &pr);
  rc = 0;
done:
  sk_particles_results_free(res);
  sk_cli_free(&c);
  return rc;
}
