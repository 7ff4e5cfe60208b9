/* filetype.c - magic-bytes classifier for the YARA external "filetype" (see
 * include/sw/filetype.h).
 *
 * Public rule sets are written against LOKI, which sets "filetype" from a table of leading
 * byte signatures (signature-base misc/file-type-signatures.txt, "HEX BYTES;Label" lines,
 * loaded into a Python dict at start-up) and gives the label of the first signature, in
 * file order, that the file starts with; anything else is "UNKNOWN". Rules compare the
 * exact strings ("7Zip", "FWS (Flash)", "UNIX SCRIPT"), so this table gives LOKI's labels
 * for LOKI's signatures, in LOKI's order, and nothing more: no sniffing past the
 * signatures (an HTML page that starts with "<!DOCTYPE" is UNKNOWN to LOKI, so it is
 * UNKNOWN here too). Deliberate differences from LOKI, with their reasons, are listed in
 * tests/filetype-loki-differences.tsv; tests/unit/test_filetype.c checks every row below.
 *
 * Two quirks of LOKI's loader are reproduced rather than "fixed", because they decide the
 * label LOKI reports:
 *   - a signature listed twice keeps its first place and its last label (a dict key set
 *     again): 30 00 00 00 "LfLe" is "EVT", "CWS"/"ZWS"/"FWS" are "CWS", "ZWS", "FWS (Flash)";
 *   - an earlier, shorter signature hides a longer one: "<%" (JSP) comes before "<%@" (ASP),
 *     ff fe (UTF-16 LE) before the UTF-16 "Emotet JS" and "WER" signatures. Those rows are
 *     kept, marked "hidden", so the table stays a row-for-row image of LOKI's.
 * Checked against the signature file as of signature-base c9f58ea (2023-03-31, the last
 * change to it) and LOKI 7688421 (lib/helpers.py get_file_type). */
#include "sw/filetype.h"

#include <stdbool.h>
#include <string.h>

struct magic {
    uint8_t len;
    const char *bytes;
    struct sw_filetype type; /* label: LOKI's, exactly; description: seawall's */
};

static const struct sw_filetype T_UNKNOWN = {"UNKNOWN", "data"};

/* clang-format off */
static const struct magic magics[] = {
    {4, "\x01\x06\x01\x00", {"Job File", "Windows task scheduler job"}},
    {3, "\x1f\x8b\x08", {"GZIP", "gzip compressed data (deflate)"}},
    {4, "%PDF", {"PDF", "PDF document"}},
    {8, "0\x00\x00\x00LfLe", {"EVT", "Windows event log (EVT)"}},
    {8, "PK\x03\x04\x14\x00\x06\x00", {"Office", "Office Open XML document (ZIP)"}},
    {5, "PKSpX", {"PKSFX", "PKSFX self-extracting archive"}},
    {6, "7z\xbc\xaf\x27\x1c", {"7Zip", "7-Zip archive"}},
    {8, "Function", {"VBS", "script starting with a Function"}},
    {3, "BZh", {"BZip2", "bzip2 compressed data"}},
    {4, "\x5f\x27\xa8\x89", {"JAR", "JAR archive (old format)"}},
    {3, "\xff\xd8\xff", {"JPEG", "JPEG image"}},
    {4, "PK\x05\x06", {"PKZIP", "ZIP archive (empty)"}},
    {6, "Rar!\x1a\x07", {"RAR", "RAR archive"}},
    {6, "WinZip", {"WinZIP", "WinZip archive"}},
    {4, "regf", {"Registry Hive", "Windows registry hive"}},
    {4, "{\\rt", {"RTF", "Rich Text Format document"}},
    {5, "ustar", {"TAR", "tar archive header"}},
    {4, "\xd4\xc3\xb2\xa1", {"WINPCAP", "pcap capture (little endian)"}},
    {4, "\xa1\xb2\xc3\xd4", {"LIBPCAP", "pcap capture (big endian)"}},
    {4, "\xa1\xb2\xcd\x34", {"LIBPCAP", "pcap capture (modified format)"}},
    {8, "\xffKEYB   ", {"SYS Keyboard Driver", "DOS keyboard driver"}},
    {11, "\xff\xfe<\x00?\x00x\x00m\x00l", {"Windows At Job", "UTF-16 XML (Windows at job)"}},
    {5, "<?php", {"PHP", "PHP script"}},
    {4, "\x0d" "DOC", {"DOC", "DOC file (old format)"}},
    {4, "\xff\xd8\xff\xe0", {"JPEG", "JPEG image (JFIF)"}},          /* hidden: ff d8 ff */
    {8, "# Disk D", {"VMDK", "VMware disk descriptor"}},
    {6, "ElfFil", {"EVTX", "Windows event log (EVTX)"}},
    {3, "AES", {"AESCrypt", "AES Crypt encrypted file"}},
    {4, "COWD", {"VMDK", "VMware ESX disk"}},
    {3, "CWS", {"CWS", "Flash movie (zlib)"}},
    {3, "ZWS", {"ZWS", "Flash movie (LZMA)"}},
    {3, "FWS", {"FWS (Flash)", "Flash movie"}},
    {4, "FILE", {"NTFS MFT", "NTFS master file table record"}},
    {6, "JARCS\x00", {"JARCS", "JAR compressed archive"}},
    {3, "KDM", {"VMDK", "VMware sparse disk"}},
    {8, "L\x00\x00\x00\x01\x14\x02\x00", {"LNK", "Windows shortcut"}},
    {4, "MSCF", {"CAB", "Microsoft cabinet archive"}},
    {4, "PK\x03\x04", {"ZIP", "ZIP archive"}},
    {5, "<?xml", {"XML", "XML document"}},
    {8, "conectix", {"VHD", "Virtual PC disk"}},
    {8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", {"OLE", "OLE2 compound document"}},
    {4, "@ech", {"BATCH", "batch script (@echo)"}},
    {4, "@ECH", {"BATCH", "batch script (@ECHO)"}},
    {6, "\xff\xfe\x90\x02\x01\x00", {"Trace Log File", "Windows trace log"}},
    {3, "#!/", {"UNIX SCRIPT", "script with an interpreter path"}},
    {4, "MDMP", {"MDMP", "Windows minidump"}},
    {6, "\xff\xfe<\x00%\x00", {"JSP", "UTF-16 LE server page"}},
    {6, "\xfe\xff\x00<\x00%", {"JSP", "UTF-16 BE server page"}},
    {7, "0:00:00", {"Log Relative", "log with relative time stamps"}},
    {2, "\x7f" "E", {"ELF", "ELF executable or library"}},
    {2, "#!", {"Script", "script with an interpreter line"}},
    {2, "\x1f\x9d", {"TARZ", "compress'd data (LZW)"}},
    {2, "\x1f\xa0", {"TARZ", "compress'd data (LZH)"}},
    {2, "<%", {"JSP", "server page (<%)"}},
    {3, "<%@", {"ASP", "server page (<%@)"}},                          /* hidden: <% */
    {8, "\xff\xfe<\x00%\x00@\x00", {"ASP", "UTF-16 LE ASP page"}},       /* hidden: ff fe < % */
    {8, "\xfe\xff\x00<\x00%\x00@", {"ASP", "UTF-16 BE ASP page"}},       /* hidden: fe ff < % */
    {2, "MZ", {"EXE", "PE/DOS executable (MZ)"}},
    {2, "\xff\xfe", {"UTF16-Encoded File LE", "UTF-16 LE text"}},
    {2, "\xfe\xff", {"UTF16-Encoded File BE", "UTF-16 BE text"}},
    {2, "\xca\xfe", {"Java Class or DYLIB", "Java class or Mach-O universal binary"}},
    {10, "[00000000:", {"MimiLSA Log", "mimikatz LSA dump log"}},
    {4, "echo", {"Batch", "batch script (echo)"}},
    {5, "@echo", {"Batch", "batch script (@echo)"}},                   /* hidden: @ech */
    {4, "[Int", {"Internet Shortcut", "Internet shortcut (.url)"}},
    {8, "\xff\xfev\x00" "a\x00r\x00", {"Emotet JS", "UTF-16 LE JavaScript"}}, /* hidden: ff fe */
    {13, "\xff\xfeV\x00" "e\x00r\x00s\x00i\x00o", {"WER", "UTF-16 LE error report"}}, /* hidden */
    {13, "V\x00" "e\x00r\x00s\x00i\x00o\x00n", {"WER", "Windows error report"}},
    {8, "AT&TFORM", {"Gitlab EXIF", "DjVu image (AT&T FORM)"}},
    {6, "<body>", {"Web", "HTML fragment (<body>)"}},
    {15, "On Error Resume", {"VBS", "VBScript (On Error Resume)"}},
    {5, "<html", {"HTML", "HTML document (<html)"}},
    {5, "<HTML", {"HTML", "HTML document (<HTML)"}},
    {10, "-----BEGIN", {"Certificate PEM", "PEM text (certificate or key)"}},
    {8, "Salted__", {"OpenSSL Salted Format", "OpenSSL encrypted data"}},
    {4, "<%--", {"JSP", "JSP comment"}},                               /* hidden: <% */
    {2, "TV", {"Base64 EXE", "base64 text of an MZ executable"}},
};
/* clang-format on */

const struct sw_filetype *
sw_filetype_classify(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return &T_UNKNOWN; /* every signature has at least two bytes */
    /* Every file of a scan comes here: the first byte rules out almost every row with one
     * compare, and a memcmp call is made only for the few rows that share it. Same rows, same
     * order: the first match in table order still wins. */
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if ((uint8_t)magics[i].bytes[0] == buf[0] && magics[i].len <= len &&
            memcmp(buf, magics[i].bytes, magics[i].len) == 0)
            return &magics[i].type;
    return &T_UNKNOWN;
}

size_t
sw_filetype_count(void)
{
    return sizeof(magics) / sizeof(magics[0]);
}

size_t
sw_filetype_signature(size_t i, const uint8_t **bytes, const char **label)
{
    if (i >= sizeof(magics) / sizeof(magics[0]))
        return 0;
    *bytes = (const uint8_t *)magics[i].bytes;
    *label = magics[i].type.label;
    return magics[i].len;
}
