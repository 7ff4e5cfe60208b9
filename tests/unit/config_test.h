/* config_test.h - what the configuration loader's unit tests share (test_config.c,
 * test_config_limits.c): a temporary folder for the files a test writes, loading YAML text,
 * collecting messages, dumping a configuration. Header-only (static inline); each test binary
 * has its own folder. */
#ifndef SW_CONFIG_TEST_H
#define SW_CONFIG_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_test.h"
#include "sw/config.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define SEC UINT64_C(1000000)

static char tmpdir[64];

/* --- helpers ---------------------------------------------------------------------------------- */

struct msgs {
    size_t n;
    char m[64][SW_ERR_MSG_MAX];
};

static inline void
collect(void *ctx, const char *msg)
{
    struct msgs *c = ctx;

    if (c->n < 64)
        snprintf(c->m[c->n], sizeof(c->m[0]), "%s", msg);
    c->n++;
}

/* Write content to tmpdir/name; returns the path (static storage, one at a time). */
static inline const char *
write_file(const char *name, const char *content, size_t len)
{
    static char path[128];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    test_write_file(path, content, len);
    return path;
}

static inline struct sw_config *
load_text(const char *yaml, struct sw_err *err, struct msgs *m)
{
    const char *path = write_file("seawall.yaml", yaml, strlen(yaml));

    return sw_cfg_load(path, NULL, 0, m == NULL ? NULL : collect, m, err);
}

/* The dump of cfg as a string (caller frees). */
static inline char *
dump_text(const struct sw_config *cfg)
{
    int fd = memfd_create("dump", 0);
    struct stat st;
    char *buf;

    assert_true(fd >= 0);
    sw_cfg_dump(cfg, fd);
    assert_int_equal(fstat(fd, &st), 0);
    buf = calloc(1, (size_t)st.st_size + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
    close(fd);
    return buf;
}

/* Split off the next line of *cur (modifies the text); NULL at the end. */
static inline char *
next_line(char **cur)
{
    char *line = *cur, *nl;

    if (*line == '\0')
        return NULL;
    nl = strchr(line, '\n');
    if (nl == NULL) {
        *cur = line + strlen(line);
    } else {
        *nl = '\0';
        *cur = nl + 1;
    }
    return line;
}

static inline int
setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sw-test-config-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static inline int
teardown_dir(void **state)
{
    static const char *const names[] = {"seawall.yaml", "big.yaml", "bomb.yaml"};
    char path[128];

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/dir", tmpdir);
    rmdir(path);
    return rmdir(tmpdir);
}

static inline void
assert_cidr(const struct sw_cidr *c, const char *text)
{
    char buf[SW_CIDR_STRLEN];

    assert_string_equal(sw_cidr_format(c, buf, sizeof(buf)), text);
}

#endif
