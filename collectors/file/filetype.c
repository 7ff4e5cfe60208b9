/* filetype.c - magic-bytes classifier for the YARA external "filetype" (see
 * include/sw/filetype.h).
 *
 * Labels follow the LOKI/THOR convention that public rule sets test against
 * (`filetype == "EXE"`): upper case, one word. The table is seawall's own. Order matters:
 * binary signatures at fixed offsets are tried first (first match wins), then text
 * markers in the first SW_FILETYPE_SNIFF bytes, in the order of the text table; anything
 * else is UNKNOWN.
 *
 *   label    how it is recognised
 *   EXE      "MZ" at 0 (PE and DOS executables, DLLs, drivers)
 *   ELF      7f "ELF" at 0
 *   MACH-O   fe ed fa ce / ce fa ed fe / fe ed fa cf / cf fa ed fe at 0; ca fe ba be at 0
 *            with fewer than 40 architectures (a fat binary; more is a Java class file)
 *   CLASS    ca fe ba be at 0 otherwise (Java class file)
 *   MDMP     "MDMP" at 0 (Windows minidump)
 *   ZIP      "PK" 03 04, "PK" 05 06 (empty), "PK" 07 08 at 0 (also JAR, DOCX, XLSX, APK)
 *   RAR      "Rar!" 1a 07 at 0
 *   7Z       "7z" bc af 27 1c at 0
 *   GZIP     1f 8b at 0
 *   CAB      "MSCF" at 0
 *   CHM      "ITSF" at 0
 *   LNK      4c 00 00 00 01 14 02 00 at 0 (Windows shortcut)
 *   DOC      d0 cf 11 e0 a1 b1 1a e1 at 0 (OLE2: DOC, XLS, PPT, MSI, MSG)
 *   RTF      "{\rtf" at 0
 *   PDF      "%PDF" in the first 1024 bytes (readers accept leading junk)
 *   GIF      "GIF87a" / "GIF89a" at 0
 *   JPG      ff d8 ff at 0
 *   PNG      89 "PNG" 0d 0a 1a 0a at 0
 *   BMP      "BM" at 0 with a 54+ byte header size at 10 (plain "BM" text is too common)
 *   SWF      "FWS" / "CWS" / "ZWS" at 0
 *   PHP      "<?php" anywhere in the sniffed text (case-insensitive), or "<?=" at 0
 *   JSP      "<%@ page" / "<%@page" with "import=" or "contentType", or "<jsp:"
 *   ASP      "<%@ Page" / "<%@ WebHandler" / runat="server" / "<%@ Language"
 *   (JSP is tested before ASP: both use "<%@ page"; JSP pages say import= or contentType.)
 *   BATCH    "@echo off" at the start of the text (case-insensitive)
 *   SHELL    "#!" at 0 (scripts with an interpreter line)
 *   VBS      "WScript." or "CreateObject(" (case-insensitive) in text without "<%"
 *   HTML     "<html" / "<!doctype html" (case-insensitive) in the first 512 bytes
 *   UNKNOWN  anything else, and empty files
 */
#include "sw/filetype.h"

#include <stdbool.h>
#include <string.h>

struct magic {
    uint16_t offset;
    uint8_t len;
    const char *bytes;
    const struct sw_filetype *type;
};

static const struct sw_filetype T_EXE = {"EXE", "PE/DOS executable (MZ)"};
static const struct sw_filetype T_ELF = {"ELF", "ELF executable or library"};
static const struct sw_filetype T_MACHO = {"MACH-O", "Mach-O executable"};
static const struct sw_filetype T_CLASS = {"CLASS", "Java class file"};
static const struct sw_filetype T_MDMP = {"MDMP", "Windows minidump"};
static const struct sw_filetype T_ZIP = {"ZIP", "ZIP archive (also JAR, Office XML)"};
static const struct sw_filetype T_RAR = {"RAR", "RAR archive"};
static const struct sw_filetype T_7Z = {"7Z", "7-Zip archive"};
static const struct sw_filetype T_GZIP = {"GZIP", "gzip compressed data"};
static const struct sw_filetype T_CAB = {"CAB", "Microsoft cabinet archive"};
static const struct sw_filetype T_CHM = {"CHM", "Microsoft compiled HTML help"};
static const struct sw_filetype T_LNK = {"LNK", "Windows shortcut"};
static const struct sw_filetype T_DOC = {"DOC", "OLE2 compound document (Office 97-2003)"};
static const struct sw_filetype T_RTF = {"RTF", "Rich Text Format document"};
static const struct sw_filetype T_PDF = {"PDF", "PDF document"};
static const struct sw_filetype T_GIF = {"GIF", "GIF image"};
static const struct sw_filetype T_JPG = {"JPG", "JPEG image"};
static const struct sw_filetype T_PNG = {"PNG", "PNG image"};
static const struct sw_filetype T_BMP = {"BMP", "BMP image"};
static const struct sw_filetype T_SWF = {"SWF", "Adobe Flash movie"};
static const struct sw_filetype T_PHP = {"PHP", "PHP script"};
static const struct sw_filetype T_JSP = {"JSP", "Java Server Page"};
static const struct sw_filetype T_ASP = {"ASP", "ASP/ASP.NET page"};
static const struct sw_filetype T_BATCH = {"BATCH", "Windows batch script"};
static const struct sw_filetype T_SHELL = {"SHELL", "script with an interpreter line"};
static const struct sw_filetype T_VBS = {"VBS", "VBScript"};
static const struct sw_filetype T_HTML = {"HTML", "HTML document"};
static const struct sw_filetype T_UNKNOWN = {"UNKNOWN", "data"};

static const struct magic magics[] = {
    {0, 2, "MZ", &T_EXE},
    {0, 4, "\x7f" "ELF", &T_ELF},
    {0, 4, "\xfe\xed\xfa\xce", &T_MACHO},
    {0, 4, "\xce\xfa\xed\xfe", &T_MACHO},
    {0, 4, "\xfe\xed\xfa\xcf", &T_MACHO},
    {0, 4, "\xcf\xfa\xed\xfe", &T_MACHO},
    {0, 4, "MDMP", &T_MDMP},
    {0, 4, "PK\x03\x04", &T_ZIP},
    {0, 4, "PK\x05\x06", &T_ZIP},
    {0, 4, "PK\x07\x08", &T_ZIP},
    {0, 6, "Rar!\x1a\x07", &T_RAR},
    {0, 6, "7z\xbc\xaf\x27\x1c", &T_7Z},
    {0, 2, "\x1f\x8b", &T_GZIP},
    {0, 4, "MSCF", &T_CAB},
    {0, 4, "ITSF", &T_CHM},
    {0, 8, "L\x00\x00\x00\x01\x14\x02\x00", &T_LNK},
    {0, 8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", &T_DOC},
    {0, 5, "{\\rtf", &T_RTF},
    {0, 6, "GIF87a", &T_GIF},
    {0, 6, "GIF89a", &T_GIF},
    {0, 3, "\xff\xd8\xff", &T_JPG},
    {0, 8, "\x89PNG\r\n\x1a\n", &T_PNG},
    {0, 3, "FWS", &T_SWF},
    {0, 3, "CWS", &T_SWF},
    {0, 3, "ZWS", &T_SWF},
};

static bool
at(const uint8_t *buf, size_t len, size_t off, const char *bytes, size_t n)
{
    return off <= len && n <= len - off && memcmp(buf + off, bytes, n) == 0;
}

/* Case-insensitive search of an ASCII needle in buf[0, len): text may hold NUL bytes, so
 * no str* functions. */
static bool
contains_ci(const uint8_t *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0 || n > len)
        return n == 0;
    for (size_t i = 0; i + n <= len; i++) {
        size_t j = 0;

        while (j < n) {
            uint8_t c = buf[i + j];

            if (c >= 'A' && c <= 'Z')
                c = (uint8_t)(c - 'A' + 'a');
            if (c != (uint8_t)needle[j])
                break;
            j++;
        }
        if (j == n)
            return true;
    }
    return false;
}

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Skip a UTF-8 byte order mark and leading blanks: scripts often start with either. */
static size_t
text_start(const uint8_t *buf, size_t len)
{
    size_t i = at(buf, len, 0, "\xef\xbb\xbf", 3) ? 3 : 0;

    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return i;
}

const struct sw_filetype *
sw_filetype_classify(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return &T_UNKNOWN;
    if (len > SW_FILETYPE_SNIFF)
        len = SW_FILETYPE_SNIFF;
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (at(buf, len, magics[i].offset, magics[i].bytes, magics[i].len))
            return magics[i].type;
    if (at(buf, len, 0, "\xca\xfe\xba\xbe", 4))
        return len >= 8 && be32(buf + 4) < 40 ? &T_MACHO : &T_CLASS;
    if (at(buf, len, 0, "BM", 2) && len >= 14 && le32(buf + 10) >= 54 && le32(buf + 10) < 4096)
        return &T_BMP;
    if (contains_ci(buf, len < 1024 ? len : 1024, "%pdf"))
        return &T_PDF;

    size_t s = text_start(buf, len);
    const uint8_t *t = buf + s;
    size_t tl = len - s;

    if (contains_ci(t, tl, "<?php") || at(t, tl, 0, "<?=", 3))
        return &T_PHP;
    if (contains_ci(t, tl, "<jsp:") ||
        ((contains_ci(t, tl, "<%@ page") || contains_ci(t, tl, "<%@page")) &&
         (contains_ci(t, tl, "import=") || contains_ci(t, tl, "contenttype"))))
        return &T_JSP;
    if (contains_ci(t, tl, "<%@ page") || contains_ci(t, tl, "<%@page") ||
        contains_ci(t, tl, "<%@ webhandler") || contains_ci(t, tl, "runat=\"server\"") ||
        contains_ci(t, tl, "<%@ language"))
        return &T_ASP;
    if (tl >= 9 && contains_ci(t, 9, "@echo off"))
        return &T_BATCH;
    if (at(buf, len, 0, "#!", 2))
        return &T_SHELL;
    if (!contains_ci(t, tl, "<%") &&
        (contains_ci(t, tl, "wscript.") || contains_ci(t, tl, "createobject(")))
        return &T_VBS;
    if (contains_ci(t, tl < 512 ? tl : 512, "<html") ||
        contains_ci(t, tl < 512 ? tl : 512, "<!doctype html"))
        return &T_HTML;
    return &T_UNKNOWN;
}
