/* test_config_limits.c - the configuration loader's limits on hostile YAML: nesting depth,
 * node count, alias expansion (agent/config.c). */
#include "config_test.h"
#include "sw/alloc.h"

/* --- limits: nesting, node count, aliases ----------------------------------------------------- */

static void
deep_nesting_is_rejected(void **state)
{
    struct sw_err err;
    struct sw_config *c;
    char *yaml = malloc(300000);
    size_t n = 0;

    (void)state;
    assert_non_null(yaml);
    /* 33 levels: the top mapping plus 32 sequences. */
    n += (size_t)snprintf(yaml + n, 300000 - n, "files:\n  paths: ");
    for (int i = 0; i < 31; i++)
        yaml[n++] = '[';
    for (int i = 0; i < 31; i++)
        yaml[n++] = ']';
    yaml[n++] = '\n';
    yaml[n] = '\0';
    c = load_text(yaml, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "nesting deeper than 32 levels"));
    assert_non_null(strstr(err.msg, "/seawall.yaml:2:40: "));

    /* 31 levels parse (and fail on type only). */
    n = (size_t)snprintf(yaml, 300000, "files:\n  paths: ");
    for (int i = 0; i < 29; i++)
        yaml[n++] = '[';
    for (int i = 0; i < 29; i++)
        yaml[n++] = ']';
    yaml[n] = '\0';
    c = load_text(yaml, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "files.paths[0]: expected a string, got a sequence"));

    /* 100000 levels: rejected early, no recursion. */
    n = 0;
    for (int i = 0; i < 100000; i++)
        yaml[n++] = '[';
    yaml[n] = '\0';
    c = load_text(yaml, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "nesting deeper than 32 levels"));
    free(yaml);
}

static void
too_many_nodes_is_rejected(void **state)
{
    size_t cap = 16 + 3 * (SW_CFG_MAX_NODES + 10);
    char *yaml = malloc(cap);
    size_t n = 0;
    struct sw_err err;
    struct sw_config *c;

    (void)state;
    assert_non_null(yaml);
    n += (size_t)snprintf(yaml, cap, "files: {paths: [");
    for (unsigned i = 0; i < SW_CFG_MAX_NODES; i++) {
        memcpy(yaml + n, "x, ", 3);
        n += 3;
    }
    memcpy(yaml + n, "x]}", 4);
    c = load_text(yaml, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "the document has more than 100000 nodes"));
    free(yaml);
}

static void
alias_bomb_is_rejected(void **state)
{
    static const char bomb[] =
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    /* The same, hidden under a known key, and through a list the schema walks. */
    static const char bomb2[] =
        "files:\n"
        "  paths: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "  exclude: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "outputs: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "spool: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "stats: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "rules: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    struct sw_err err;
    struct sw_config *c;
    char *many;
    size_t n = 0;

    (void)state;
    c = load_text(bomb, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, ":6:4: the document expands to more than 100000 nodes"));
    c = load_text(bomb2, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "the document expands to more than 100000 nodes"));

    /* More anchors than the cap. */
    many = malloc(64 * (SW_CFG_MAX_ANCHORS + 2));
    assert_non_null(many);
    for (int i = 0; i <= SW_CFG_MAX_ANCHORS; i++)
        n += (size_t)snprintf(many + n, 64, "a%d: &a%d x\n", i, i);
    c = load_text(many, &err, NULL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "more than 100 anchors"));
    free(many);
}

static void
aliases_within_limits_resolve(void **state)
{
    static const char yaml[] = "outputs:\n"
                               "  - {type: stdout, types: &t [alert, flow]}\n"
                               "  - {type: file, path: /x, types: *t}\n"
                               "network:\n"
                               "  interfaces: [{name: a, bpf: &f tcp}, {name: b, bpf: *f}]\n"
                               "ndpi:\n"
                               "  risk_exceptions: {cidrs: [10.0.0.0/8], hostnames: &h [a.b]}\n"
                               "rules: {dir: *f}\n";
    struct sw_err err;
    struct sw_config *c = load_text(yaml, &err, NULL);

    (void)state;
    if (c == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(c->n_outputs, 2);
    assert_int_equal(c->outputs[1].types, (1u << SW_EV_ALERT) | (1u << SW_EV_FLOW));
    assert_string_equal(c->network.interfaces[1].bpf, "tcp");
    assert_string_equal(c->rules.dir, "tcp");
    assert_int_equal(c->ndpi.risk_exceptions.cidrs.n, 1);
    sw_cfg_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deep_nesting_is_rejected),
        cmocka_unit_test(too_many_nodes_is_rejected),
        cmocka_unit_test(alias_bomb_is_rejected),
        cmocka_unit_test(aliases_within_limits_resolve),
    };

    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
