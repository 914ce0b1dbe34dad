/* smolkin — files under --out DIR: CSV for small tables, HDF5 for arrays.
 *
 * Every file records the command, the seed and the resolved model (text and
 * hash). Files are written as NAME.partial and renamed only by
 * sk_out_commit, so a failed run leaves nothing half-written: sk_out_free on
 * an uncommitted sk_out removes the partial files.
 * HDF5 files are written without object timestamps, so identical runs give
 * identical files.
 */
#ifndef SMOLKIN_OUTPUT_H
#define SMOLKIN_OUTPUT_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_run_info {
  const char *command;   /* "beta", "pde", ... */
  const char *cmdline;   /* the full command line, for the record */
  const sk_model *model; /* may be NULL */
  uint64_t seed;
} sk_run_info;

typedef struct sk_out sk_out;

/* Creates DIR (and parents) if needed. */
int sk_out_open(const char *dir, const sk_run_info *info, sk_out **out, sk_error *err);
const char *sk_out_dir(const sk_out *o);
/* Opens DIR/name for writing a CSV table; '#' header lines (command, seed,
 * model hash) are already written. The sk_out owns the FILE. */
FILE *sk_out_csv(sk_out *o, const char *name, sk_error *err);
/* Creates DIR/name as an HDF5 file with a /parameters group (attributes:
 * command, cmdline, seed, model_hash, model, version). The sk_out owns it. */
hid_t sk_out_h5(sk_out *o, const char *name, sk_error *err);
/* Closes everything and renames the files into place. */
int sk_out_commit(sk_out *o, sk_error *err);
/* Frees; if not committed, removes every partial file. NULL is a no-op. */
void sk_out_free(sk_out *o);

/* Writes an array of doubles (rank <= 4) at path (intermediate groups are
 * created). */
int sk_h5_write_doubles(hid_t loc, const char *path, int rank, const size_t *dims,
                        const double *data, sk_error *err);
int sk_h5_write_int64(hid_t loc, const char *path, int rank, const size_t *dims,
                      const int64_t *data, sk_error *err);
/* Creates (or opens) a group, with intermediate groups. Close with H5Gclose. */
hid_t sk_h5_group(hid_t loc, const char *path, sk_error *err);
int sk_h5_attr_double(hid_t obj, const char *name, double v);
int sk_h5_attr_int64(hid_t obj, const char *name, int64_t v);
int sk_h5_attr_string(hid_t obj, const char *name, const char *s);
/* Writes the standard /parameters record into an already-open file. */
int sk_h5_write_parameters(hid_t file, const sk_run_info *info, sk_error *err);

#ifdef __cplusplus
}
#endif
#endif
