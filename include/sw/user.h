/* user.h - user names for the events' owner fields (fileinfo.owner, fim.*.owner, the YARA
 * external owner). Policy-free; any thread (getpwuid_r keeps no state between calls). */
#ifndef SW_USER_H
#define SW_USER_H

#include <stddef.h>
#include <sys/types.h>

/* The user name of uid (getpwuid_r) into buf[0, len), or the uid in decimal when it has none;
 * cut to fit, always NUL-terminated (len > 0). */
void sw_user_name(uid_t uid, char *buf, size_t len);

#endif
