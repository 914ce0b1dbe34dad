/* The `smolkin` command: shared argument parsing for every subcommand.
 *
 * A subcommand declares its flags in a table (sk_flag). A flag with a
 * `key` sets that model key (validated like a model file value, with origin
 * "command line --flag"); a flag without one is read by the command with
 * sk_cli_get*. Common flags handled here for every command:
 *   --set section.key=value (repeatable)  --json  --out DIR  --threads N
 *   --quiet  --help
 * Exit statuses: 0 success, 1 runtime failure, 2 bad input (nothing written).
 */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <stddef.h>

#include "smolkin/error.h"
#include "smolkin/model.h"
#include "smolkin/output.h"

#define SK_CLI_MAX_FLAGS 48

typedef struct sk_flag {
  const char *name;    /* "--alpha" */
  const char *metavar; /* "A"; NULL for a switch */
  const char *key;     /* model key it sets, or NULL */
  const char *help;
} sk_flag;

enum { SK_MODEL_NONE = 0, SK_MODEL_OPTIONAL = 1, SK_MODEL_REQUIRED = 2 };

typedef struct sk_cli {
  const char *command;
  const sk_flag *flags;
  size_t nflags;
  sk_model *model;
  const char *model_path;
  int json, quiet, threads;
  const char *outdir;
  const char *val[SK_CLI_MAX_FLAGS];
  char cmdline[4096];
  sk_error err;
} sk_cli;

/* Returns -1 when the command should go on, else the exit status to return
 * (0 after --help; 2 after a message on stderr). */
int sk_cli_parse(sk_cli *c, int argc, char **argv, const char *command, const char *usage,
                 const sk_flag *flags, size_t nflags, int model_mode);
/* sk_cli_parse for commands that run to a time: when --times is given
 * without --T or --set run.T=..., the run ends at the last of those times
 * ("--set run.T=<max>" is inserted before --times, so that [run] times <= T). */
int sk_cli_parse_timed(sk_cli *c, int argc, char **argv, const char *command, const char *usage,
                       const sk_flag *flags, size_t nflags, int model_mode);
/* The argv rewrite behind sk_cli_parse_timed; NULL if nothing changes. */
char **sk_cli_default_T(int argc, char **argv, int *argc_out);
void sk_cli_free(sk_cli *c);

/* Command-specific flag values (NULL if absent; "1" for a given switch). */
const char *sk_cli_get(const sk_cli *c, const char *flag);
/* Parse a flag value; on a bad value print a message and return 2 (else 0).
 * A missing flag leaves *out unchanged. */
int sk_cli_get_double(sk_cli *c, const char *flag, double lo, double hi, double *out);
int sk_cli_get_long(sk_cli *c, const char *flag, long long lo, long long hi, long long *out);
/* Comma-separated doubles; *out is malloc'd (caller frees). */
int sk_cli_get_list(sk_cli *c, const char *flag, double **out, size_t *n);

/* Prints "smolkin CMD: <msg>" and returns the exit status for code. */
int sk_cli_fail(sk_cli *c, int code);
/* Every mass in the list key (e.g. "observe.masses") must be <= [coagulation]
 * nmax: otherwise a message naming the key, the mass and the accepted range,
 * and the exit status (else 0). */
int sk_cli_check_masses(sk_cli *c, const char *key);
/* Prints a usage error and returns 2. */
int sk_cli_usage_error(sk_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

sk_run_info sk_cli_run_info(const sk_cli *c);
/* Opens --out DIR if given (else *out = NULL). Returns 0 or an exit status. */
int sk_cli_open_out(sk_cli *c, sk_out **out);
/* Finishes --out: commits the files when ok (else they are removed) and frees
 * out. Returns 0, or the exit status after a message (the error recorded in
 * c->err, or SK_EIO). */
int sk_cli_close_out(sk_cli *c, sk_out *out, int ok);

/* Subcommands. */
int sk_cmd_keys(int argc, char **argv);
int sk_cmd_beta(int argc, char **argv);
int sk_cmd_coalescent(int argc, char **argv);
int sk_cmd_kingman(int argc, char **argv);
int sk_cmd_ode(int argc, char **argv);
int sk_cmd_pde(int argc, char **argv);
int sk_cmd_particles(int argc, char **argv);

#endif
