/* sigload.c - load a Suricata ruleset and print what it cost: seconds, rules loaded, left
 * out, failed, prefilter databases and pcre patterns (and how many came from the cache), always-run rules, the
 * top reasons rules were left out. For make bench and the ruleset figures of the README.
 *
 * usage: sigload PATH [CACHE_DIR] */
#include <stdio.h>
#include <time.h>

#include "sw/sig.h"

int
main(int argc, char **argv)
{
    struct sw_sig_load_opts o = {0};
    struct sw_sig_load_stats st;
    struct sw_sig_set *s;
    struct sw_err err;
    struct timespec a, b;

    if (argc < 2) {
        fprintf(stderr, "usage: sigload PATH [CACHE_DIR]\n");
        return 2;
    }
    o.path = argv[1];
    o.cache_dir = argc > 2 ? argv[2] : NULL;
    clock_gettime(CLOCK_MONOTONIC, &a);
    s = sw_sig_load(&o, &st, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (s == NULL) {
        fprintf(stderr, "sigload: %s\n", err.msg);
        return 1;
    }
    printf("load_seconds %.3f\n", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    printf("files %zu\nrules %zu\nleft_out %zu\nfailed %zu\n", st.files, st.rules, st.left_out,
           st.failed);
    printf("databases %zu\ndatabases_cached %zu\nalways_run %zu\niponly %zu\n", st.databases,
           st.databases_cached, st.always_run, st.iponly);
    printf("patterns_compiled %zu\npatterns_cached %zu\n", st.patterns_compiled,
           st.patterns_cached);
    for (size_t i = 0; i < st.n_top; i++)
        printf("left_out_for %s %zu\n", st.top[i].keyword, st.top[i].rules);
    sw_sig_set_destroy(s);
    return 0;
}
