/* fuzz_filetype.c - libFuzzer target for collectors/file/filetype.c.
 *
 * Input: file content. Checks what callers rely on: a label from the documented set, never
 * NULL, the same answer for the first SW_FILETYPE_SNIFF bytes as for the whole input, and
 * no read past len (ASan: the input is copied into an exact-size heap buffer). */
#include <stdlib.h>
#include <string.h>

#include "sw/filetype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {
    "EXE", "ELF", "MACH-O", "CLASS", "MDMP", "ZIP", "RAR", "7Z", "GZIP", "CAB",
    "CHM", "LNK", "DOC", "RTF", "PDF", "GIF", "JPG", "PNG", "BMP", "SWF",
    "PHP", "JSP", "ASP", "BATCH", "SHELL", "VBS", "HTML", "UNKNOWN",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size > 0 ? size : 1);
    const struct sw_filetype *a, *b;
    size_t i;

    if (copy == NULL)
        return 0;
    if (size > 0)
        memcpy(copy, data, size);
    a = sw_filetype_classify(copy, size);
    b = sw_filetype_classify(copy, size < SW_FILETYPE_SNIFF ? size : SW_FILETYPE_SNIFF);
    if (a == NULL || b == NULL || a != b || a->description == NULL)
        abort();
    for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i], a->label) == 0)
            break;
    if (i == sizeof(labels) / sizeof(labels[0]))
        abort();
    free(copy);
    return 0;
}
