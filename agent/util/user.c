/* user.c - user names (see include/sw/user.h). */
#include "sw/user.h"

#include <pwd.h>
#include <stdio.h>

void
sw_user_name(uid_t uid, char *buf, size_t len)
{
    struct passwd pw, *res = NULL;
    char tmp[4096];

    if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL &&
        res->pw_name != NULL && res->pw_name[0] != '\0') {
        snprintf(buf, len, "%s", res->pw_name);
        return;
    }
    snprintf(buf, len, "%lu", (unsigned long)uid);
}
