/* fuzz_config.c - libFuzzer target for the config loader (agent/config.c).
 *
 * Input: a YAML document, optionally followed by a NUL byte and NUL-separated --set overrides
 * (at most 8). The document is loaded with sw_cfg_load_buffer(); a loaded config is dumped to
 * /dev/null and compared with itself for restart-only changes (must be none), then freed.
 * Checks: a NULL result always comes with an error message, a config always with none. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw/config.h"

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n_reports;

static void
count_report(void *ctx, const char *msg)
{
    (void)ctx;
    if (msg == NULL || msg[0] == '\0')
        abort();
    n_reports++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int devnull = -2;
    const char *sets[MAX_SETS];
    size_t n_sets = 0, doc_len;
    const uint8_t *nul = memchr(data, 0, size);
    char *copy = NULL;
    struct sw_err err;
    struct sw_config *cfg;

    if (devnull == -2)
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    doc_len = nul == NULL ? size : (size_t)(nul - data);
    if (nul != NULL) {
        /* Overrides need NUL-terminated strings: copy the tail and terminate it. */
        size_t tail = size - doc_len - 1;
        char *p;

        copy = malloc(tail + 1);
        if (copy == NULL)
            return 0;
        memcpy(copy, nul + 1, tail);
        copy[tail] = '\0';
        for (p = copy; n_sets < MAX_SETS && p <= copy + tail; p += strlen(p) + 1)
            sets[n_sets++] = p;
    }
    n_reports = 0;
    cfg = sw_cfg_load_buffer("fuzz.yaml", (const char *)data, doc_len, sets, n_sets,
                             count_report, NULL, &err);
    if (cfg == NULL) {
        if (err.code == SW_OK || err.msg[0] == '\0' || n_reports == 0)
            abort();
    } else {
        if (err.code != SW_OK || n_reports != 0)
            abort();
        if (devnull >= 0)
            sw_cfg_dump(cfg, devnull);
        if (sw_cfg_restart_changes(cfg, cfg, NULL, NULL) != 0)
            abort();
        sw_cfg_free(cfg);
    }
    free(copy);
    return 0;
}
