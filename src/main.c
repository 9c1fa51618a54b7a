/* findroot: make sure the root device is found, even behind a virtio-iommu
 * whose driver the initramfs forgot; command line and exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "devices.h"
#include "diagnose.h"
#include "links.h"
#include "log.h"
#include "modules.h"
#include "roots.h"
#include "spec.h"
#include "sysfs.h"
#include "wait.h"

enum {
    EXIT_FOUND = 0,
    EXIT_NOTFOUND = 1,
    EXIT_USAGE = 2,
    EXIT_ENV = 3,
};

/* Seconds the diagnosis after a timeout may take: what it reads is already
 * in the table, so this only bounds a tree that turned hostile. */
#define DIAGNOSIS_BUDGET 5.0

enum {
    OPT_SYSFS = 0x100,
    OPT_DEVFS,
    OPT_CMDLINE,
    OPT_MODULES_DIR,
    OPT_RELEASE,
    OPT_NO_MODULES,
    OPT_NO_RESCAN,
    OPT_NO_LINKS,
    OPT_DRY_RUN,
    OPT_RESCAN_GRACE,
    OPT_UEVENT_SOCKET,
};

struct args {
    const char *command; /* "wait", "links", "diagnose" */
    const char *spec;
    double timeout;      /* -1: from the kernel command line */
    double rescan_grace;
    int verbosity;
    int no_modules, no_rescan, no_links, dry_run, json; /* getopt_long flags */
    bool done;           /* --help or --version answered */
    const char *test_socket;
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: findroot [OPTIONS] [wait] [SPEC]\n"
            "       findroot [OPTIONS] links\n"
            "       findroot [OPTIONS] diagnose [--json]\n"
            "\n"
            "Find the root device: load the virtio-iommu driver and the drivers of every\n"
            "device as it appears, wait for block devices, create /dev/disk links, and\n"
            "print the device node. Without SPEC, root= from the kernel command line.\n"
            "\n"
            "SPEC: UUID=, LABEL=, PARTUUID=[/PARTNROFF=N], PARTLABEL=, /dev/..., MAJ:MIN\n"
            "\n"
            "  -t, --timeout=SEC       give up after SEC seconds (default: findroot.timeout=,\n"
            "                          else the larger of 30 and rootdelay=)\n"
            "  -v, --verbose           more messages (twice: debug)\n"
            "  -q, --quiet             errors only\n"
            "      --json              diagnose: one JSON document\n"
            "      --no-modules        do not load kernel modules\n"
            "      --no-rescan         do not rescan the PCI bus\n"
            "      --no-links          do not create /dev/disk links\n"
            "      --dry-run           log the modules that would be loaded, load none\n"
            "      --rescan-grace=SEC  wait this long before a PCI rescan (default 5)\n"
            "      --sysfs=DIR --devfs=DIR --cmdline=FILE --modules-dir=DIR\n"
            "      --kernel-release=REL\n"
            "                          other roots, for tests and rescue\n"
            "  -h, --help              this text\n"
            "  -V, --version           version\n"
            "\n"
            "Exit status: 0 found, 1 not found by the deadline, 2 usage or spec error,\n"
            "3 environment error.\n");
}

/* More than 0 and at most 1e6 (a timeout of 11 days is no timeout). */
static bool parse_seconds(const char *s, double *out)
{
    double v;
    if (fr_parse_seconds(s, &v) < 0 || !(v > 0) || v > 1e6)
        return false;
    *out = v;
    return true;
}

/* After getopt_long returned '?' or ':' (opterr off). An unknown short
 * option is in optopt, and may sit inside a cluster ("-vx") that optind
 * has not passed yet; long options and missing values have been passed. */
static void bad_option(int c, int argc, char **argv)
{
    /* musl leaves optind past argc when a value is missing at the end */
    const char *arg = optind > 0 && optind <= argc && argv[optind - 1] ? argv[optind - 1] : "";
    /* optopt is a short option's letter, or a long option's val (1 for
     * the flags getopt_long sets, OPT_* for the others). */
    bool letter = optopt > ' ' && optopt < 0x7f;
    char shortopt[3] = {'-', letter ? (char)optopt : '?', '\0'};

    if (arg[0] != '-')
        arg = shortopt;

    if (c == ':') {
        log_error("option '%.*s' needs a value; try 'findroot --help'",
                  (int)strcspn(arg, "="), arg);
    } else if (letter && !strchr("tvqhV", optopt)) {
        log_error("unknown option '-%c'; try 'findroot --help'", optopt);
    } else {
        /* Unknown, ambiguous ("--no"), or given a value it does not take. */
        log_error("unknown or misused option '%.*s'; try 'findroot --help'",
                  (int)strcspn(arg, "="), arg);
    }
}

/* The options that set a root path: --sysfs=DIR sets roots->sys, ... */
static const struct {
    int opt;
    size_t off, size;
} root_opts[] = {
#define ROOT_OPT(o, f) {o, offsetof(struct fr_roots, f), sizeof(((struct fr_roots *)0)->f)}
    ROOT_OPT(OPT_SYSFS, sys),     ROOT_OPT(OPT_DEVFS, dev),       ROOT_OPT(OPT_CMDLINE, cmdline),
    ROOT_OPT(OPT_MODULES_DIR, modules), ROOT_OPT(OPT_RELEASE, release),
#undef ROOT_OPT
};

/* Sets the root path option c names; false when c is not one. */
static bool root_option(int c, struct fr_roots *r, int *rc)
{
    for (size_t i = 0; i < sizeof(root_opts) / sizeof(root_opts[0]); i++) {
        if (root_opts[i].opt != c)
            continue;
        *rc = fr_roots_set((char *)r + root_opts[i].off, root_opts[i].size, optarg);
        if (*rc < 0)
            log_error("path too long: %s", optarg);
        return true;
    }
    return false;
}

/* Returns 0 or -EINVAL (a usage error, said). 0 with a->done set: --help
 * or --version answered, exit at once with success. */
static int parse_args(int argc, char **argv, struct args *a, struct fr_roots *r)
{
    /* The on/off options are set by getopt_long itself (flag, val). */
    const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"json", no_argument, &a->json, 1},
        {"sysfs", required_argument, NULL, OPT_SYSFS},
        {"devfs", required_argument, NULL, OPT_DEVFS},
        {"cmdline", required_argument, NULL, OPT_CMDLINE},
        {"modules-dir", required_argument, NULL, OPT_MODULES_DIR},
        {"kernel-release", required_argument, NULL, OPT_RELEASE},
        {"no-modules", no_argument, &a->no_modules, 1},
        {"no-rescan", no_argument, &a->no_rescan, 1},
        {"no-links", no_argument, &a->no_links, 1},
        {"dry-run", no_argument, &a->dry_run, 1},
        {"rescan-grace", required_argument, NULL, OPT_RESCAN_GRACE},
        {"uevent-socket", required_argument, NULL, OPT_UEVENT_SOCKET},
        {},
    };
    int c, rc = 0;

    /* getopt's own messages are two lines (its complaint, then ours) and
     * carry argv[0]: the contract promises one "findroot: " line. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:vqhV", opts, NULL)) != -1) {
        switch (c) {
        case 0:
            break; /* a flag, set */
        case 't':
            if (!parse_seconds(optarg, &a->timeout)) {
                log_error("invalid timeout '%s': expected a number of seconds", optarg);
                return -EINVAL;
            }
            break;
        case OPT_RESCAN_GRACE:
            if (!parse_seconds(optarg, &a->rescan_grace)) {
                log_error("invalid rescan grace '%s': expected a number of seconds", optarg);
                return -EINVAL;
            }
            break;
        case 'v':
            a->verbosity++;
            break;
        case 'q':
            a->verbosity = -1;
            break;
        case 'h':
            usage(stdout);
            a->done = true;
            return 0;
        case 'V':
            printf("findroot %s\n", FINDROOT_VERSION);
            a->done = true;
            return 0;
        case OPT_UEVENT_SOCKET:
            a->test_socket = optarg;
            break;
        default:
            if (root_option(c, r, &rc)) {
                if (rc < 0)
                    return -EINVAL;
                break;
            }
            bad_option(c, argc, argv);
            return -EINVAL;
        }
    }

    a->command = "wait";
    if (optind < argc && (strcmp(argv[optind], "wait") == 0 || strcmp(argv[optind], "links") == 0 ||
                          strcmp(argv[optind], "diagnose") == 0))
        a->command = argv[optind++];
    if (optind < argc && strcmp(a->command, "links") != 0)
        a->spec = argv[optind++];
    if (optind < argc) {
        log_error("unexpected argument '%s'", argv[optind]);
        return -EINVAL;
    }
    if (a->json && strcmp(a->command, "diagnose") != 0) {
        log_error("--json goes with diagnose");
        return -EINVAL;
    }
    return 0;
}

static int read_cmdline(const struct fr_roots *r, struct fr_cmdline *c)
{
    char buf[FR_CMDLINE_MAX + 1];
    size_t n = 0;
    /* --cmdline=FILE may name anything: never block on it. */
    int fd = fr_open_regular(r->cmdline, O_RDONLY);

    if (fd >= 0) {
        /* /proc/cmdline comes in one read; a regular file may not. */
        ssize_t k;
        while (n < sizeof(buf) && (k = read(fd, buf + n, sizeof(buf) - n)) != 0) {
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                log_debug("cannot read %s: %m", r->cmdline);
                n = 0;
                break;
            }
            n += (size_t)k;
        }
        close(fd);
    } else {
        log_debug_errno(fd, "cannot read %s", r->cmdline);
    }
    if (n > FR_CMDLINE_MAX) {
        log_warning("%s is longer than %d bytes, ignored", r->cmdline, FR_CMDLINE_MAX);
        n = 0;
    }
    return fr_cmdline_parse(buf, n, c);
}

static int cmd_links(const struct fr_roots *r)
{
    struct fr_devtab t = {0};
    int n = fr_devices_refresh(&t, r, true);
    if (n < 0) {
        log_error_errno(n, "cannot list block devices in %s/class/block", r->sys);
        fr_devtab_free(&t);
        fr_probe_cleanup();
        return EXIT_ENV;
    }
    int k = fr_links_sync(&t, r);
    fr_devtab_free(&t);
    fr_probe_cleanup();
    if (k < 0)
        return EXIT_ENV; /* fr_links_sync said why */
    log_info("%d links created or updated", k);
    return EXIT_FOUND;
}

static int check_environment(const struct fr_roots *r)
{
    struct stat st;
    char p[PATH_MAX];

    if (stat(r->sys, &st) < 0 || !S_ISDIR(st.st_mode) ||
        fr_path(p, sizeof(p), r->sys, "class") < 0 || stat(p, &st) < 0) {
        log_error("%s is not a mounted sysfs: mount -t sysfs sysfs %s", r->sys, r->sys);
        return -ENOENT;
    }
    if (stat(r->dev, &st) < 0 || !S_ISDIR(st.st_mode)) {
        log_error("%s is missing: mount -t devtmpfs devtmpfs %s", r->dev, r->dev);
        return -ENOENT;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct args a = {.timeout = -1, .rescan_grace = 5};
    struct fr_roots r;
    struct fr_cmdline c;
    struct fr_spec spec;
    bool have_spec = false;
    struct fr_modules *m = NULL;
    struct fr_devtab t = {0};
    char err[256], node[PATH_MAX];
    int ret;

    fr_log_init(FR_LOG_WARNING, NULL);
    fr_roots_init(&r);
    if (parse_args(argc, argv, &a, &r) < 0)
        return EXIT_USAGE;
    if (a.done)
        return EXIT_FOUND;
    fr_roots_finish(&r);
    read_cmdline(&r, &c);

    /* As --help says: -v adds the info messages (found after, would load,
     * links made), -vv the debug ones. */
    int level = a.verbosity > 0 ? FR_LOG_NOTICE + a.verbosity : FR_LOG_WARNING;
    if (c.debug)
        level = FR_LOG_DEBUG;
    if (a.verbosity < 0)
        level = FR_LOG_ERR;
    if (level > FR_LOG_DEBUG)
        level = FR_LOG_DEBUG;
    fr_log_init(level, r.kmsg[0] ? r.kmsg : NULL);

    const char *spec_text = a.spec ? a.spec : (c.has_root ? c.root : NULL);
    if (spec_text) {
        if (fr_spec_parse(spec_text, &spec, err, sizeof(err)) < 0) {
            log_error("invalid root spec '%.200s': %s", spec_text, err);
            if (strcmp(a.command, "diagnose") != 0)
                return EXIT_USAGE;
        } else {
            have_spec = true;
        }
    }

    /* diagnose goes on: saying what is missing is its job. */
    if (check_environment(&r) < 0 && strcmp(a.command, "diagnose") != 0)
        return EXIT_ENV;

    if (strcmp(a.command, "links") == 0) {
        ret = cmd_links(&r);
        fr_log_close();
        return ret;
    }

    if (!a.no_modules && (c.modules || a.dry_run)) {
        int k = fr_modules_new(&r, a.dry_run, &m);
        if (k < 0)
            log_warning_errno(k, "cannot use modules in %s, loading none", r.modules);
    }

    if (strcmp(a.command, "diagnose") == 0) {
        /* -t bounds the diagnosis too (scans stop, sysfs.h). */
        if (a.timeout > 0)
            fr_deadline_set(fr_monotonic() + a.timeout);
        ret = fr_diagnose(&r, have_spec ? &spec : NULL, m, &t, a.json, stdout) < 0 ? EXIT_ENV
                                                                                  : EXIT_FOUND;
        goto out;
    }

    if (!have_spec) {
        log_error("no root device given: pass SPEC or boot with root=");
        ret = EXIT_USAGE;
        goto out;
    }

    struct fr_wait_opts o = {
        .timeout = a.timeout > 0 ? a.timeout : fr_cmdline_effective_timeout(&c),
        .rescan_grace = a.rescan_grace,
        .load_modules = m != NULL,
        .rescan = !a.no_rescan && c.rescan,
        .links = !a.no_links && c.links,
        .test_socket = a.test_socket,
    };
    ret = fr_wait(&r, &spec, &o, m, &t, node, sizeof(node));
    if (ret == 0) {
        printf("%s\n", node);
        ret = fflush(stdout) == 0 ? EXIT_FOUND : EXIT_ENV;
    } else if (ret == -ETIMEDOUT) {
        char s[FR_SPEC_VALUE_MAX + 32];
        fr_spec_format(&spec, s, sizeof(s));
        log_error("root device %s not found after %.0f s", s, o.timeout);
        /* The diagnosis gets a bounded time of its own past the deadline. */
        fr_deadline_set(fr_monotonic() + DIAGNOSIS_BUDGET);
        /* The deadline may have cut a scan short: the report lists all. */
        (void)fr_devices_refresh(&t, &r, true);
        fr_diagnose(&r, &spec, m, &t, false, stderr);
        ret = EXIT_NOTFOUND;
    } else {
        ret = EXIT_ENV;
    }
out:
    fr_modules_free(m);
    fr_devtab_free(&t);
    /* The probe lives across calls; freed here so leak checkers see
     * a clean exit. */
    fr_probe_cleanup();
    fr_log_close();
    return ret;
}
