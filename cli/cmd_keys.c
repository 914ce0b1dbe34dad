/* smolkin keys — every model key with its type, default, accepted values and help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smolkin/json.h"

int sk_cmd_keys(int argc, char **argv) {
  static const sk_flag flags[] = {
      {"--section", "NAME", NULL, "only the keys of [NAME]"},
  };
  sk_cli c;
  int rc = sk_cli_parse(&c, argc, argv, "keys", "[MODEL] [--section NAME] [--json]", flags,
                        sizeof flags / sizeof *flags, SK_MODEL_OPTIONAL);
  if (rc >= 0) return rc;
  const char *only = sk_cli_get(&c, "--section");
  size_t n = sk_keys_count();
  if (only) {
    int found = 0;
    for (size_t i = 0; i < n; ++i) found |= strcmp(sk_keys_get(i)->section, only) == 0;
    if (!found) {
      sk_cli_free(&c);
      return sk_cli_usage_error(&c, "--section %s: no such section", only);
    }
  }
  sk_json j;
  if (c.json) {
    sk_json_init(&j, stdout, 0);
    sk_json_begin_object(&j, NULL);
    sk_json_begin_array(&j, "keys");
  }
  const char *cur = "";
  for (size_t i = 0; i < n; ++i) {
    const sk_keydef *k = sk_keys_get(i);
    if (only && strcmp(k->section, only) != 0) continue;
    char dotted[160], acc[512];
    snprintf(dotted, sizeof dotted, "%s.%s", k->section, k->name);
    sk_keys_describe(k, acc, sizeof acc);
    const char *value = sk_model_get_string(c.model, dotted);
    if (c.json) {
      sk_json_begin_object(&j, NULL);
      sk_json_string(&j, "section", k->section);
      sk_json_string(&j, "key", k->name);
      sk_json_string(&j, "default", k->def);
      sk_json_string(&j, "value", value);
      sk_json_string(&j, "origin", sk_model_origin(c.model, dotted));
      sk_json_string(&j, "accepted", acc);
      sk_json_string(&j, "help", k->help);
      sk_json_end_object(&j);
      continue;
    }
    if (strcmp(cur, k->section) != 0) {
      printf("%s[%s]\n", *cur ? "\n" : "", k->section);
      cur = k->section;
    }
    printf("%-12s = %-16s ; %s\n", k->name, k->def[0] ? k->def : "(none)", k->help);
    printf("%-12s   %-16s ;   accepted: %s\n", "", "", acc);
    if (c.model_path && sk_model_is_set(c.model, dotted))
      printf("%-12s   %-16s ;   in this model: %s (%s)\n", "", "", value,
             sk_model_origin(c.model, dotted));
  }
  if (c.json) {
    sk_json_end_array(&j);
    sk_json_end_object(&j);
    sk_json_finish(&j);
  }
  sk_cli_free(&c);
  return 0;
}
