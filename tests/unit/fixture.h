/* Fixture trees for the unit tests: each case's fresh temp dir, files and
 * links in it, stderr capture, and the fake modules dir of mkmodules.sh. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct fr_roots;

/* This case's temp dir, made by the case runner (check.c) before the case
 * and removed after it. The runner also points the /sys/module trap
 * (systrap.c) at fx_top/sys/module, so that libkmod sees the fixture's
 * modules, not the host's. */
extern char fx_top[PATH_MAX];

/* The dir the cases of one run share (what fx_make_modules() makes once),
 * made and removed by the runner around all cases. */
int fx_run_begin(const char *suite);
void fx_run_end(void);

/* Makes fx_top (suite and case name it) and points the trap there; removes
 * it again. For the runner. */
int fx_begin(const char *suite, const char *name);
void fx_end(void);

/* Files under fx_top; the parent dirs are made as needed. Failures are
 * printed (the checks that follow then fail). */
void fx_mkdirs(const char *rel);
void fx_put(const char *rel, const char *text);
void fx_put_bytes(const char *rel, const void *data, size_t len);
#define FX_PUT_LIT(rel, lit) fx_put_bytes((rel), (lit), sizeof(lit) - 1)
void fx_link(const char *target, const char *rel);
void fx_unlink(const char *rel);
/* Removes a tree (not following links); the path is an absolute one. */
void fx_rm_tree(const char *path);

/* A file's contents (up to 128 KiB) in a static buffer, "" when missing. */
char *fx_slurp(const char *path);

/* stderr goes to a file until fx_capture_end(), which returns what was
 * written (static buffer, see fx_slurp). */
void fx_capture_begin(void);
char *fx_capture_end(void);

/* tests/fixture/NAME into buf; the environment variable env, when set,
 * names the script instead. */
void fx_script(char *buf, size_t size, const char *name, const char *env);

/* The fake modules dir (tests/fixture/mkmodules.sh, or $FINDROOT_MKMODULES)
 * for the kernel release, made once a run and shared by its cases (which
 * must not write to it); sets r->modules and r->release. Returns 0 or -1
 * (printed). */
int fx_make_modules(struct fr_roots *r, const char *release);

/* A row of a modalias lookup table: what looking up alias returns, and the
 * comma-separated module names then in the buffer (NULL: not checked). */
struct fx_alias {
    const char *alias;
    int n;
    const char *names;
};

/* Says a module is loaded (initstate "live") in fx_top/sys/module, the dir
 * libkmod reads through the trap; NULL state removes it again. */
void fx_module_state(const char *name, const char *state);
/* Whether the /sys/module trap redirects this process's lookups (it is not
 * linked into static builds, where dlsym(RTLD_NEXT) does not exist). */
bool fx_trap_active(void);
