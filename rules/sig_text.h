/* sig_text.h - small text helpers shared by the rule-language parsers of rules/ (options,
 * classification.config, address and port variables). Internal to rules/. */
#ifndef SW_SIG_TEXT_H
#define SW_SIG_TEXT_H

#include <ctype.h>
#include <stddef.h>

/* Narrow s[0, *n) to its bounds without leading and trailing space (nothing is written:
 * the text may be read-only). */
static inline void
sig_trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

#endif
