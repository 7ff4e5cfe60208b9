/* filetype.h - classify file content by its first bytes into the upper-case labels that
 * LOKI and THOR give their YARA external "filetype" (EXE, ELF, ZIP, PDF, PHP, ...), so public
 * rule sets that test `filetype == "EXE"` work unchanged.
 *
 * Pure functions over a borrowed buffer: any thread. The table and its order are documented
 * in collectors/file/filetype.c. */
#ifndef SW_FILETYPE_H
#define SW_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

/* How many leading bytes the classifier looks at; passing more is harmless. */
#define SW_FILETYPE_SNIFF 4096

struct sw_filetype {
    const char *label;       /* static: "EXE", ..., "UNKNOWN" */
    const char *description; /* static: short human text, "PE executable (MZ)" */
};

/* Classify buf[0, len). Never NULL: unrecognised content (and len 0) is UNKNOWN. */
const struct sw_filetype *sw_filetype_classify(const uint8_t *buf, size_t len);

#endif
