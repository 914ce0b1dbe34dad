#include "smolkin/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  char *final;
  char *partial;
  FILE *csv;
  hid_t h5;
} out_file;

struct sk_out {
  char *dir;
  sk_run_info info;
  char *cmdline;
  out_file *files;
  size_t n, cap;
  int committed;
};

static int mkdir_p(const char *dir, sk_error *err) {
  char buf[4096];
  if (strlen(dir) >= sizeof buf) return sk_error_set(err, SK_EINVAL, "%s: path too long", dir);
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return sk_error_set(err, SK_EIO, "cannot create directory %s: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return sk_error_set(err, SK_EIO, "cannot create directory %s: %s", buf, strerror(errno));
  struct stat st;
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
    return sk_error_set(err, SK_EIO, "--out %s: not a directory", dir);
  return SK_OK;
}

int sk_out_open(const char *dir, const sk_run_info *info, sk_out **out, sk_error *err) {
  *out = NULL;
  int rc = mkdir_p(dir, err);
  if (rc) return rc;
  sk_out *o = calloc(1, sizeof *o);
  if (!o) return sk_error_set(err, SK_ENOMEM, "out of memory");
  o->dir = strdup(dir);
  o->info = *info;
  o->cmdline = strdup(info->cmdline ? info->cmdline : "");
  if (!o->dir || !o->cmdline) {
    sk_out_free(o);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  o->info.cmdline = o->cmdline;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  *out = o;
  return SK_OK;
}

const char *sk_out_dir(const sk_out *o) { return o->dir; }

static out_file *add_file(sk_out *o, const char *name, sk_error *err) {
  if (o->n == o->cap) {
    size_t nc = o->cap ? 2 * o->cap : 8;
    out_file *nf = realloc(o->files, nc * sizeof *nf);
    if (!nf) {
      sk_error_set(err, SK_ENOMEM, "out of memory");
      return NULL;
    }
    o->files = nf;
    o->cap = nc;
  }
  out_file *f = &o->files[o->n];
  memset(f, 0, sizeof *f);
  f->h5 = H5I_INVALID_HID;
  size_t len = strlen(o->dir) + strlen(name) + 16;
  f->final = malloc(len);
  f->partial = malloc(len);
  if (!f->final || !f->partial) {
    free(f->final);
    free(f->partial);
    sk_error_set(err, SK_ENOMEM, "out of memory");
    return NULL;
  }
  snprintf(f->final, len, "%s/%s", o->dir, name);
  snprintf(f->partial, len, "%s/%s.partial", o->dir, name);
  o->n++;
  return f;
}

static void model_hash(const sk_run_info *info, char hex[17]) {
  if (info->model)
    sk_model_hash_hex(info->model, hex);
  else
    snprintf(hex, 17, "none");
}

FILE *sk_out_csv(sk_out *o, const char *name, sk_error *err) {
  out_file *f = add_file(o, name, err);
  if (!f) return NULL;
  f->csv = fopen(f->partial, "w");
  if (!f->csv) {
    sk_error_set(err, SK_EIO, "cannot write %s: %s", f->partial, strerror(errno));
    return NULL;
  }
  char hex[17];
  model_hash(&o->info, hex);
  fprintf(f->csv, "# smolkin %s %s\n# command: %s\n# seed: %llu\n# model_hash: %s\n", SK_VERSION,
          o->info.command ? o->info.command : "", o->cmdline,
          (unsigned long long)o->info.seed, hex);
  if (o->info.model && sk_model_path(o->info.model))
    fprintf(f->csv, "# model_file: %s\n", sk_model_path(o->info.model));
  return f->csv;
}

int sk_h5_attr_string(hid_t obj, const char *name, const char *s) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, strlen(s) + 1);
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a >= 0 ? H5Awrite(a, type, s) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
  return st < 0 ? SK_EIO : SK_OK;
}

int sk_h5_attr_double(hid_t obj, const char *name, double v) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a >= 0 ? H5Awrite(a, H5T_NATIVE_DOUBLE, &v) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  return st < 0 ? SK_EIO : SK_OK;
}

int sk_h5_attr_int64(hid_t obj, const char *name, int64_t v) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a >= 0 ? H5Awrite(a, H5T_NATIVE_INT64, &v) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  return st < 0 ? SK_EIO : SK_OK;
}

hid_t sk_h5_group(hid_t loc, const char *path, sk_error *err) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", path);
  hid_t cur = H5Gopen2(loc, ".", H5P_DEFAULT);
  char *save = NULL;
  for (char *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
    hid_t next;
    if (H5Lexists(cur, tok, H5P_DEFAULT) > 0) {
      next = H5Gopen2(cur, tok, H5P_DEFAULT);
    } else {
      hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
      H5Pset_obj_track_times(gcpl, 0);
      next = H5Gcreate2(cur, tok, H5P_DEFAULT, gcpl, H5P_DEFAULT);
      H5Pclose(gcpl);
    }
    H5Gclose(cur);
    if (next < 0) {
      sk_error_set(err, SK_EIO, "cannot create HDF5 group %s", path);
      return H5I_INVALID_HID;
    }
    cur = next;
  }
  return cur;
}

static int write_array(hid_t loc, const char *path, int rank, const size_t *dims, hid_t type,
                       const void *data, sk_error *err) {
  if (rank < 0 || rank > 4) return sk_error_set(err, SK_EINTERNAL, "rank %d", rank);
  char dirpart[1024];
  snprintf(dirpart, sizeof dirpart, "%s", path);
  char *slash = strrchr(dirpart, '/');
  const char *leaf = path;
  hid_t parent;
  if (slash) {
    *slash = '\0';
    leaf = path + (slash - dirpart) + 1;
    parent = dirpart[0] ? sk_h5_group(loc, dirpart, err) : H5Gopen2(loc, "/", H5P_DEFAULT);
  } else {
    parent = H5Gopen2(loc, ".", H5P_DEFAULT);
  }
  if (parent < 0) return sk_error_set(err, SK_EIO, "cannot open HDF5 group for %s", path);
  hsize_t hd[4];
  for (int i = 0; i < rank; ++i) hd[i] = dims[i];
  hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, hd, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, 0);
  hid_t ds = H5Dcreate2(parent, leaf, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  herr_t st = ds >= 0 ? H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : -1;
  if (ds >= 0) H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Gclose(parent);
  if (st < 0) return sk_error_set(err, SK_EIO, "cannot write HDF5 dataset %s", path);
  return SK_OK;
}

int sk_h5_write_doubles(hid_t loc, const char *path, int rank, const size_t *dims,
                        const double *data, sk_error *err) {
  return write_array(loc, path, rank, dims, H5T_NATIVE_DOUBLE, data, err);
}

int sk_h5_write_int64(hid_t loc, const char *path, int rank, const size_t *dims,
                      const int64_t *data, sk_error *err) {
  return write_array(loc, path, rank, dims, H5T_NATIVE_INT64, data, err);
}

int sk_h5_write_parameters(hid_t file, const sk_run_info *info, sk_error *err) {
  hid_t g = sk_h5_group(file, "parameters", err);
  if (g < 0) return SK_EIO;
  char hex[17];
  model_hash(info, hex);
  int rc = 0;
  rc |= sk_h5_attr_string(g, "version", SK_VERSION);
  rc |= sk_h5_attr_string(g, "command", info->command ? info->command : "");
  rc |= sk_h5_attr_string(g, "cmdline", info->cmdline ? info->cmdline : "");
  rc |= sk_h5_attr_int64(g, "seed", (int64_t)info->seed);
  rc |= sk_h5_attr_string(g, "model_hash", hex);
  rc |= sk_h5_attr_string(g, "model", info->model ? sk_model_text(info->model) : "");
  H5Gclose(g);
  return rc ? sk_error_set(err, SK_EIO, "cannot write /parameters") : SK_OK;
}

hid_t sk_out_h5(sk_out *o, const char *name, sk_error *err) {
  out_file *f = add_file(o, name, err);
  if (!f) return H5I_INVALID_HID;
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST);
  f->h5 = H5Fcreate(f->partial, H5F_ACC_TRUNC, fcpl, fapl);
  H5Pclose(fcpl);
  H5Pclose(fapl);
  if (f->h5 < 0) {
    sk_error_set(err, SK_EIO, "cannot create HDF5 file %s", f->partial);
    return H5I_INVALID_HID;
  }
  if (sk_h5_write_parameters(f->h5, &o->info, err)) return H5I_INVALID_HID;
  return f->h5;
}

int sk_out_commit(sk_out *o, sk_error *err) {
  int rc = SK_OK;
  for (size_t i = 0; i < o->n; ++i) {
    out_file *f = &o->files[i];
    if (f->csv) {
      if (fclose(f->csv) != 0 && !rc) rc = sk_error_set(err, SK_EIO, "cannot write %s", f->partial);
      f->csv = NULL;
    }
    if (f->h5 >= 0) {
      if (H5Fclose(f->h5) < 0 && !rc) rc = sk_error_set(err, SK_EIO, "cannot write %s", f->partial);
      f->h5 = H5I_INVALID_HID;
    }
  }
  if (rc) return rc;
  for (size_t i = 0; i < o->n; ++i) {
    if (rename(o->files[i].partial, o->files[i].final) != 0)
      return sk_error_set(err, SK_EIO, "cannot rename %s: %s", o->files[i].partial, strerror(errno));
  }
  o->committed = 1;
  return SK_OK;
}

void sk_out_free(sk_out *o) {
  if (!o) return;
  for (size_t i = 0; i < o->n; ++i) {
    out_file *f = &o->files[i];
    if (f->csv) fclose(f->csv);
    if (f->h5 >= 0) H5Fclose(f->h5);
    if (!o->committed) unlink(f->partial);
    free(f->final);
    free(f->partial);
  }
  free(o->files);
  free(o->dir);
  free(o->cmdline);
  free(o);
}
