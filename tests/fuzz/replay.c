/* replay.c - run a libFuzzer target over saved inputs without libFuzzer.
 *
 * Usage: fuzz-replay/<target> PATH... where each PATH is an input file or a directory of
 * them (and of directories one level down). Every input goes to LLVMFuzzerTestOneInput() in
 * an exact-size heap buffer, as libFuzzer does, so the sanitizer build catches over-reads.
 * Prints "replay: N inputs" and exits 0; a target that crashes or aborts fails the run. An
 * unreadable PATH is an error (exit 2): a missing seed corpus must not pass silently. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT (64u * 1024 * 1024)

static unsigned long inputs;

/* Feed one file to the target. Returns 0, or -1 when it cannot be read. */
static int
replay_file(const char *path, size_t size)
{
    FILE *f;
    uint8_t *buf;
    size_t got;

    if (size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "replay: %s: larger than %u bytes\n", path, REPLAY_MAX_INPUT);
        return -1;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        fclose(f);
        fprintf(stderr, "replay: %s: out of memory\n", path);
        return -1;
    }
    got = fread(buf, 1, size, f);
    fclose(f);
    if (got != size) {
        free(buf);
        fprintf(stderr, "replay: %s: short read\n", path);
        return -1;
    }
    (void)LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    inputs++;
    return 0;
}

/* A file, or a directory whose files (and subdirectories' files, when depth allows) are fed
 * in name order. */
static int
replay_path(const char *path, int depth)
{
    struct stat sb;
    struct dirent **names;
    int n, i, rc = 0;

    if (stat(path, &sb) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISREG(sb.st_mode))
        return replay_file(path, (size_t)sb.st_size);
    if (!S_ISDIR(sb.st_mode) || depth > 1)
        return 0;
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        char sub[4096];
        int len;

        if (names[i]->d_name[0] != '.') {
            len = snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
            if (len < 0 || (size_t)len >= sizeof(sub)) {
                fprintf(stderr, "replay: %s/%s: path too long\n", path, names[i]->d_name);
                rc = -1;
            } else if (replay_path(sub, depth + 1) != 0) {
                rc = -1;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    int i, rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize != NULL)
        (void)LLVMFuzzerInitialize(&argc, &argv);
    for (i = 1; i < argc; i++)
        if (replay_path(argv[i], 0) != 0)
            rc = 2;
    printf("replay: %lu inputs\n", inputs);
    return rc;
}
