/* version.h - the version every command and the status document report. */
#ifndef SW_VERSION_H
#define SW_VERSION_H

#ifndef SW_VERSION
#define SW_VERSION "0.2.0"
#endif

#endif
