/* sig_class.c - classification.config: classtype names, their description (EVE
 * alert.category) and priority (EVE alert.severity unless a rule sets priority). The file
 * beside the rules is read when there is one; otherwise the built-in table, the same classes
 * as the shipped rules/default/classification.config (Suricata 8's). Loading thread only. */
#include "sig_int.h"
#include "sig_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"

static const struct {
    const char *name, *desc;
    int prio;
} builtin[] = {
    {"not-suspicious", "Not Suspicious Traffic", 3},
    {"unknown", "Unknown Traffic", 3},
    {"bad-unknown", "Potentially Bad Traffic", 2},
    {"attempted-recon", "Attempted Information Leak", 2},
    {"successful-recon-limited", "Information Leak", 2},
    {"successful-recon-largescale", "Large Scale Information Leak", 2},
    {"attempted-dos", "Attempted Denial of Service", 2},
    {"successful-dos", "Denial of Service", 2},
    {"attempted-user", "Attempted User Privilege Gain", 1},
    {"unsuccessful-user", "Unsuccessful User Privilege Gain", 1},
    {"successful-user", "Successful User Privilege Gain", 1},
    {"attempted-admin", "Attempted Administrator Privilege Gain", 1},
    {"successful-admin", "Successful Administrator Privilege Gain", 1},
    {"rpc-portmap-decode", "Decode of an RPC Query", 2},
    {"shellcode-detect", "Executable code was detected", 1},
    {"string-detect", "A suspicious string was detected", 3},
    {"suspicious-filename-detect", "A suspicious filename was detected", 2},
    {"suspicious-login", "An attempted login using a suspicious username was detected", 2},
    {"system-call-detect", "A system call was detected", 2},
    {"tcp-connection", "A TCP connection was detected", 4},
    {"trojan-activity", "A Network Trojan was detected", 1},
    {"unusual-client-port-connection", "A client was using an unusual port", 2},
    {"network-scan", "Detection of a Network Scan", 3},
    {"denial-of-service", "Detection of a Denial of Service Attack", 2},
    {"non-standard-protocol", "Detection of a non-standard protocol or event", 2},
    {"protocol-command-decode", "Generic Protocol Command Decode", 3},
    {"web-application-activity", "access to a potentially vulnerable web application", 2},
    {"web-application-attack", "Web Application Attack", 1},
    {"misc-activity", "Misc activity", 3},
    {"misc-attack", "Misc Attack", 2},
    {"icmp-event", "Generic ICMP event", 3},
    {"inappropriate-content", "Inappropriate Content was Detected", 1},
    {"policy-violation", "Potential Corporate Privacy Violation", 1},
    {"default-login-attempt", "Attempt to login by a default username and password", 2},
    {"targeted-activity", "Targeted Malicious Activity was Detected", 1},
    {"exploit-kit", "Exploit Kit Activity Detected", 1},
    {"external-ip-check", "Device Retrieving External IP Address Detected", 2},
    {"domain-c2", "Domain Observed Used for C2 Detected", 1},
    {"pup-activity", "Possibly Unwanted Program Detected", 2},
    {"credential-theft", "Successful Credential Theft Detected", 1},
    {"social-engineering", "Possible Social Engineering Attempted", 2},
    {"coin-mining", "Crypto Currency Mining Activity Detected", 2},
    {"command-and-control", "Malware Command and Control Activity Detected", 1},
};

static bool
add_class(struct sig_loader *L, const char *name, size_t nn, const char *desc, size_t dn,
          int prio)
{
    struct sig_class *nc;

    for (size_t i = 0; i < L->n_classes; i++) {
        if (strlen(L->classes[i].name) == nn && strncmp(L->classes[i].name, name, nn) == 0) {
            char *d = sw_malloc(dn + 1);

            if (d == NULL)
                return false;
            memcpy(d, desc, dn);
            d[dn] = '\0';
            sw_free(L->classes[i].desc);
            L->classes[i].desc = d; /* a later line redefines it, as in Suricata */
            L->classes[i].priority = prio;
            return true;
        }
    }
    nc = sw_realloc(L->classes, (L->n_classes + 1) * sizeof(*nc));
    if (nc == NULL)
        return false;
    L->classes = nc;
    nc = &L->classes[L->n_classes];
    nc->name = sw_malloc(nn + 1);
    nc->desc = sw_malloc(dn + 1);
    if (nc->name == NULL || nc->desc == NULL) {
        sw_free(nc->name);
        sw_free(nc->desc);
        return false;
    }
    memcpy(nc->name, name, nn);
    nc->name[nn] = '\0';
    memcpy(nc->desc, desc, dn);
    nc->desc[dn] = '\0';
    nc->priority = prio;
    L->n_classes++;
    return true;
}

bool
sig_class_load(struct sig_loader *L, const char *path)
{
    FILE *fp = path != NULL ? fopen(path, "re") : NULL;
    char line[1024];
    unsigned no = 0;

    if (fp == NULL) {
        for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
            if (!add_class(L, builtin[i].name, strlen(builtin[i].name), builtin[i].desc,
                           strlen(builtin[i].desc), builtin[i].prio))
                return false;
        return true;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        const char *p = line, *c1, *c2;
        size_t n;
        char *end;
        long prio;

        no++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        if (strncmp(p, "config classification:", 22) != 0) {
            sig_report(L, true, "%s:%u: warning: not 'config classification: NAME,DESC,PRIO'",
                       path, no);
            continue;
        }
        p += 22;
        c1 = strchr(p, ',');
        c2 = c1 != NULL ? strrchr(c1 + 1, ',') : NULL;
        prio = c2 != NULL ? strtol(c2 + 1, &end, 10) : 0;
        if (c2 == NULL || prio < 1 || prio > 255 ||
            (*end != '\0' && !isspace((unsigned char)*end))) {
            sig_report(L, true, "%s:%u: warning: not 'config classification: NAME,DESC,PRIO'",
                       path, no);
            continue;
        }
        const char *name = p, *desc = c1 + 1;
        size_t nn = (size_t)(c1 - p), dn = (size_t)(c2 - desc);

        sig_trim(&name, &nn);
        sig_trim(&desc, &dn);
        n = nn;
        if (n == 0) {
            sig_report(L, true, "%s:%u: warning: empty class name", path, no);
            continue;
        }
        if (!add_class(L, name, nn, desc, dn, (int)prio)) {
            fclose(fp);
            return false;
        }
    }
    fclose(fp);
    return true;
}

const struct sig_class *
sig_class_find(const struct sig_loader *L, const char *name)
{
    /* Once per rule over ~40 classes: the first byte rules out most without a call. */
    for (size_t i = 0; i < L->n_classes; i++)
        if (L->classes[i].name[0] == name[0] && strcmp(L->classes[i].name, name) == 0)
            return &L->classes[i];
    return NULL;
}
