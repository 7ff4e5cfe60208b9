/* fuzz_dataset.c - libFuzzer target for the dataset / IOC list parser (rules/dataset.c).
 *
 * Input: one byte choosing the type (md5, sha256, string, ipv4, ip: modulo 5), then the file
 * text. Checks: a parse that returns NULL says why; every diagnostic is "list:N: ..." with N
 * within the file's lines; the items, bad lines and duplicates add up to no more than the
 * lines; a lookup of each value type's zero key never crashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t max_line;

static void
check_msg(void *ctx, bool warning, const char *msg)
{
    size_t n = 0;

    (void)ctx;
    (void)warning;
    if (strncmp(msg, "list:", 5) != 0)
        abort();
    for (const char *p = msg + 5; *p >= '0' && *p <= '9'; p++)
        n = n * 10 + (size_t)(*p - '0');
    if (n == 0 || n > max_line)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_dataset_stats st;
    struct sw_err err;
    struct sw_dataset *d;
    static const uint8_t zero[32];

    if (size == 0)
        return 0;
    max_line = 1;
    for (size_t i = 1; i < size; i++)
        max_line += data[i] == '\n';
    d = sw_dataset_parse("list", (enum sw_dataset_type)(data[0] % 5), (const char *)data + 1,
                         size - 1, check_msg, NULL, &st, &err);
    if (d == NULL) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (st.items + st.bad_lines + st.duplicates > st.lines || st.items != sw_dataset_count(d))
        abort();
    for (size_t len = 1; len <= sizeof(zero); len *= 2)
        (void)sw_dataset_lookup(d, zero, len, NULL);
    sw_dataset_destroy(d);
    return 0;
}
