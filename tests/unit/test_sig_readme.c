/* test_sig_readme.c - the README's "Suricata rules" section against the engine (issue 12): its
 * list of what is left out, and why, must stay true. Every buffer it says the parsers provide
 * but rules do not read is a buffer the detection stage names (sw_buf_name: the HTTP and TLS
 * parsers hand it over) and a rule using it is left out naming it; every buffer it says no
 * parser provides is left out too. Runs from the repository's top folder (make test does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/detect.h"
#include "sw/sig.h"

#define PROVIDED "buffers the parsers provide but the signature engine does not read yet ("
#define NOT_PROVIDED "buffers no parser provides yet ("

static char *readme;

/* The README's paragraph that starts with marker, up to the next blank line, its line breaks
 * made spaces (a pointer into readme, changed in place). */
static char *
paragraph(const char *marker)
{
    char *p = strstr(readme, marker), *end;

    if (p == NULL)
        fail_msg("README.md has no paragraph '%s'", marker);
    end = strstr(p, "\n\n");
    if (end != NULL)
        *end = '\0';
    for (char *c = p; *c != '\0'; c++)
        if (*c == '\n')
            *c = ' ';
    return p;
}

/* The `names` of the parenthesised list that follows what in par (up to its ')' or ';'), one
 * at a time: *pos is the cursor (NULL to start). Returns false at the list's end. */
static bool
next_name(const char *par, const char *what, const char **pos, char *out, size_t len)
{
    const char *p = *pos, *close, *a, *b;

    if (p == NULL) {
        p = strstr(par, what);
        if (p == NULL)
            fail_msg("the left-out paragraph has no list of %s", what);
        p += strlen(what);
    }
    close = strpbrk(p, ");"); /* the names come first; what follows ';' explains them */
    a = strchr(p, '`');
    if (a == NULL || close == NULL || a > close)
        return false;
    b = strchr(a + 1, '`');
    if (b == NULL || (size_t)(b - a - 1) >= len)
        return false;
    memcpy(out, a + 1, (size_t)(b - a - 1));
    out[b - a - 1] = '\0';
    *pos = b + 1;
    return true;
}

static bool
stage_names(const char *name)
{
    for (int b = 0; b < SW_BUF_MAX; b++)
        if (strcmp(sw_buf_name((enum sw_buf)b), name) == 0)
            return true;
    return false;
}

static unsigned n_said;
static char said[300];

static void
on_diag(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    (void)ctx;
    (void)kind;
    n_said++;
    snprintf(said, sizeof(said), "%s", msg);
}

/* A rule reading buffer name is left out, and the message names it. */
static void
left_out_by_name(const char *name)
{
    char rule[256], want[80];
    struct sw_sig_load_opts o = {.report = on_diag};
    struct sw_sig_load_stats st;
    struct sw_sig_set *s;
    struct sw_err err;

    snprintf(rule, sizeof(rule), "alert http any any -> any any (%s; content:\"x\"; sid:1;)\n",
             name);
    n_said = 0;
    s = sw_sig_load_text("t.rules", rule, strlen(rule), &o, &st, &err);
    assert_non_null(s);
    if (st.left_out != 1)
        fail_msg("%s: left_out %llu, failed %llu (%s)", name, (unsigned long long)st.left_out,
                 (unsigned long long)st.failed, said);
    snprintf(want, sizeof(want), "'%s'", name);
    if (strstr(said, want) == NULL)
        fail_msg("%s: the message does not name it: %s", name, said);
    sw_sig_set_destroy(s);
}

static void
left_out_list_is_true(void **state)
{
    const char *par = paragraph("**Left out, and why.**"), *pos = NULL;
    char name[64];
    unsigned n = 0;

    (void)state;
    while (next_name(par, PROVIDED, &pos, name, sizeof(name))) {
        if (!stage_names(name))
            fail_msg("README: %s is listed as provided by the parsers; the stage has no such "
                     "buffer",
                     name);
        left_out_by_name(name);
        n++;
    }
    assert_true(n >= 10);
    pos = NULL;
    n = 0;
    while (next_name(par, NOT_PROVIDED, &pos, name, sizeof(name))) {
        left_out_by_name(name);
        n++;
    }
    assert_true(n >= 1);
}

static int
setup(void **state)
{
    FILE *f = fopen("README.md", "r");
    long n;

    (void)state;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        if (f != NULL)
            fclose(f);
        return -1;
    }
    readme = calloc(1, (size_t)n + 1);
    if (readme == NULL || fread(readme, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    free(readme);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(left_out_list_is_true),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
