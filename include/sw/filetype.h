/* filetype.h - classify file content by its first bytes into the labels that LOKI gives its
 * YARA external "filetype" ("EXE", "ELF", "ZIP", "PDF", "7Zip", "UNIX SCRIPT", ...), so
 * public rule sets written for LOKI (`filetype == "EXE"`) see the same value for the same
 * bytes.
 *
 * Pure functions over a borrowed buffer or a static table: any thread. The table, its order
 * and where it comes from are documented in collectors/file/filetype.c. */
#ifndef SW_FILETYPE_H
#define SW_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

/* How many leading bytes callers hand to the classifier; passing more is harmless (the
 * longest signature is 15 bytes). */
#define SW_FILETYPE_SNIFF 4096

struct sw_filetype {
    const char *label;       /* static: LOKI's label ("EXE", "7Zip", ...) or "UNKNOWN"; at
                              * most 21 characters ("UTF16-Encoded File LE") */
    const char *description; /* static: short human text, "PE/DOS executable (MZ)" */
};

/* Classify buf[0, len): the first signature of the table that buf starts with. Never NULL:
 * unrecognised content (and len 0) is UNKNOWN. */
const struct sw_filetype *sw_filetype_classify(const uint8_t *buf, size_t len);

/* The table, for tests: how many signatures it has; signature i's bytes (static) and label
 * through the pointers, and its length as the return value (0 when i is past the end). */
size_t sw_filetype_count(void);
size_t sw_filetype_signature(size_t i, const uint8_t **bytes, const char **label);

#endif
