/* file_test.h - writing the input files a unit test needs (rule files, lists, configs,
 * corrupt caches). Header-only (static inline); a failure to write is the test's failure. */
#ifndef SW_FILE_TEST_H
#define SW_FILE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* Create or truncate path and write data[0, len) to it. */
static inline void
test_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* The same with a string, its NUL left out. */
static inline void
test_put_file(const char *path, const char *text)
{
    test_write_file(path, text, strlen(text));
}

#endif
