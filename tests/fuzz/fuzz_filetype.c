/* fuzz_filetype.c - libFuzzer target for collectors/file/filetype.c.
 *
 * Input: file content. Checks what callers rely on: never NULL, the same answer for the
 * first SW_FILETYPE_SNIFF bytes as for the whole input, no read past len (ASan: the input is
 * copied into an exact-size heap buffer), and LOKI's rule: the label is that of the first
 * signature of the table the input starts with, or UNKNOWN when none does. */
#include <stdlib.h>
#include <string.h>

#include "sw/filetype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size > 0 ? size : 1);
    const struct sw_filetype *a, *b;
    const char *want = "UNKNOWN";

    if (copy == NULL)
        return 0;
    if (size > 0)
        memcpy(copy, data, size);
    a = sw_filetype_classify(copy, size);
    b = sw_filetype_classify(copy, size < SW_FILETYPE_SNIFF ? size : SW_FILETYPE_SNIFF);
    if (a == NULL || b == NULL || a != b || a->description == NULL)
        abort();
    for (size_t i = 0; i < sw_filetype_count(); i++) {
        const uint8_t *sig;
        const char *label;
        size_t n = sw_filetype_signature(i, &sig, &label);

        if (n <= size && memcmp(copy, sig, n) == 0) {
            want = label;
            break;
        }
    }
    if (strcmp(a->label, want) != 0)
        abort();
    free(copy);
    return 0;
}
