/* smolkin — command dispatch. Each subcommand lives in cli/cmd_<name>.c and
 * is declared in cli.h. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"keys", sk_cmd_keys, "list every model key with its default and help"},
    {"beta", sk_cmd_beta, "coagulation propensity beta from the recipe (1.8)-(1.9)"},
    {"ode", sk_cmd_ode, "Smoluchowski coagulation ODE (2.1): kernel, truncation with tail, gelation"},
    {"pde", sk_cmd_pde, "the coagulation-diffusion PDE (1.2): radial, torus or whole-space"},
    {"particles", sk_cmd_particles, "the microscopic model P_N: Brownian particles coagulating at range eps"},
    {"coalescent", sk_cmd_coalescent, "Marcus-Lushnikov process: exact stochastic coagulation of N particles"},
    {"kingman", sk_cmd_kingman, "Kingman's coalescent: block counts from n blocks, with the exact mean"},
};

static void usage(FILE *f) {
  fprintf(f,
          "smolkin %s — coagulating Brownian particles and the Smoluchowski equations\n\n"
          "usage: smolkin COMMAND [MODEL] [options]     (smolkin COMMAND --help for details)\n\n"
          "commands:\n",
          SK_VERSION);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; ++i)
    fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("smolkin %s\n", SK_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; ++i)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "smolkin: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
