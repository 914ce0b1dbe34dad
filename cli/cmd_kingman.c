/* smolkin kingman — Kingman's coalescent: the number of blocks from n blocks,
 * every pair merging at rate 1, with the exact mean for comparison. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smolkin/coalescent.h"
#include "smolkin/json.h"
#include "smolkin/util.h"

static void progress_cb(void *ctx, double f) { sk_progress_update((sk_progress *)ctx, f); }

static int write_out(sk_cli *c, const sk_kingman_results *r) {
  sk_out *out = NULL;
  int rc = sk_cli_open_out(c, &out);
  if (rc || !out) return rc;
  FILE *f = sk_out_csv(out, "kingman.csv", &c->err);
  if (!f) goto fail;
  fprintf(f, "# Kingman's coalescent from n = %llu blocks (pair rate 1), %lld replicas\n",
          (unsigned long long)r->n, r->replicas);
  fprintf(f, "# exact_mean: Tavare (1984) from n blocks; exact_mean_infinity: from infinity\n");
  fprintf(f, "t,mean_blocks,stderr,exact_mean,exact_mean_infinity\n");
  for (size_t i = 0; i < r->ntimes; ++i) {
    fprintf(f, "%.17g,%.17g,", r->t[i], r->blocks[i].mean);
    if (!isnan(r->blocks[i].se)) fprintf(f, "%.17g", r->blocks[i].se);
    fprintf(f, ",%.17g,", r->exact[i]);
    double inf = sk_kingman_mean(0, r->t[i]);
    if (isfinite(inf)) fprintf(f, "%.17g", inf);
    fprintf(f, "\n");
  }
  return sk_cli_close_out(c, out, 1);
fail:
  return sk_cli_close_out(c, out, 0);
}

int sk_cmd_kingman(int argc, char **argv) {
  static const sk_flag flags[] = {
      {"--n", "N", "run.N", "initial number of blocks"},
      {"--times", "T1,T2,...", "run.times", "report times (the run ends at the last one)"},
      {"--replicas", "R", "run.replicas", "independent replicas (standard errors need R >= 2)"},
      {"--seed", "S", "run.seed", "random seed (Philox key; replica r uses stream r)"},
  };
  sk_cli c;
  int rc = sk_cli_parse_timed(&c, argc, argv, "kingman",
                        "[MODEL] [--n N] [--times T1,T2,...] [--replicas R] [--seed S] "
                        "[--json] [--out DIR]",
                        flags, sizeof flags / sizeof *flags, SK_MODEL_OPTIONAL);
  if (rc >= 0) return rc;
  const sk_params *p = sk_model_params(c.model);
  sk_kingman_results *r = NULL;
  sk_progress prog;
  sk_progress_start(&prog, "kingman", 1.0);
  rc = sk_kingman_run((uint64_t)p->N, p->times, p->ntimes, sk_model_get_int(c.model, "run.replicas"),
                      p->seed, progress_cb, &prog, &r, &c.err);
  sk_progress_finish(&prog);
  if (rc) {
    rc = sk_cli_fail(&c, rc);
    goto done;
  }
  if (c.outdir && (rc = write_out(&c, r))) goto done;
  if (c.json) {
    sk_json j;
    char hex[17];
    sk_model_hash_hex(c.model, hex);
    sk_json_init(&j, stdout, 0);
    sk_json_begin_object(&j, NULL);
    sk_json_string(&j, "command", "kingman");
    sk_json_uint(&j, "seed", p->seed);
    sk_json_string(&j, "model_hash", hex);
    sk_json_uint(&j, "n", r->n);
    sk_json_int(&j, "replicas", r->replicas);
    sk_json_begin_array(&j, "results");
    for (size_t i = 0; i < r->ntimes; ++i) {
      sk_json_begin_object(&j, NULL);
      sk_json_double(&j, "t", r->t[i]);
      sk_json_double(&j, "mean_blocks", r->blocks[i].mean);
      sk_json_double(&j, "stderr", r->blocks[i].se);
      sk_json_double(&j, "exact_mean", r->exact[i]);
      sk_json_double(&j, "exact_mean_infinity", sk_kingman_mean(0, r->t[i]));
      sk_json_end_object(&j);
    }
    sk_json_end_array(&j);
    sk_json_double(&j, "wall_s", r->wall_s);
    sk_json_end_object(&j);
    sk_json_finish(&j);
  } else {
    printf("Kingman's coalescent from n = %llu blocks (every pair merges at rate 1), "
           "%lld replica%s, seed %llu\n",
           (unsigned long long)r->n, r->replicas, r->replicas == 1 ? "" : "s",
           (unsigned long long)p->seed);
    printf("exact mean: Tavare (1984) from n blocks, and from infinity\n\n");
    printf("%10s  %14s %10s  %14s  %14s\n", "t", "mean blocks", "se", "exact (n)", "exact (inf)");
    for (size_t i = 0; i < r->ntimes; ++i) {
      printf("%10.4g  %14.6f ", r->t[i], r->blocks[i].mean);
      if (isnan(r->blocks[i].se))
        printf("%10s", "-");
      else
        printf("%10.3g", r->blocks[i].se);
      printf("  %14.6f  %14.6f\n", r->exact[i], sk_kingman_mean(0, r->t[i]));
    }
  }
  rc = 0;
done:
  sk_kingman_results_free(r);
  sk_cli_free(&c);
  return rc;
}
