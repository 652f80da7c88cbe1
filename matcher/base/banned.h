/*
 * banned.h - C library calls that hhmatch does not use, made build errors.
 *
 * CMake forces this header into every translation unit (-include), tests
 * included, as git does with its banned.h.  Each of these either writes
 * past a buffer it cannot see the size of (strcpy, strcat, sprintf,
 * vsprintf, gets), silently truncates without terminating (strncpy,
 * strncat), keeps hidden state (strtok, asctime, ctime, gmtime,
 * localtime: not thread-safe) or cannot report a bad number (atoi, atol,
 * atoll).  Use snprintf, memcpy with a known length, strbuf (base/strbuf.h),
 * strtok_r, strtol/strtoul with an end pointer, gmtime_r.
 *
 * The system headers that declare them are included first, so their
 * declarations are read before the names become macros.
 */
#ifndef HH_BANNED_H
#define HH_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HH_BANNED(func) sorry_##func##_is_banned_see_base_banned_h

#undef strcpy
#define strcpy(...) HH_BANNED(strcpy)
#undef strcat
#define strcat(...) HH_BANNED(strcat)
#undef strncpy
#define strncpy(...) HH_BANNED(strncpy)
#undef strncat
#define strncat(...) HH_BANNED(strncat)
#undef sprintf
#define sprintf(...) HH_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) HH_BANNED(vsprintf)
#undef gets
#define gets(...) HH_BANNED(gets)
#undef strtok
#define strtok(...) HH_BANNED(strtok)
#undef atoi
#define atoi(...) HH_BANNED(atoi)
#undef atol
#define atol(...) HH_BANNED(atol)
#undef atoll
#define atoll(...) HH_BANNED(atoll)
#undef asctime
#define asctime(...) HH_BANNED(asctime)
#undef ctime
#define ctime(...) HH_BANNED(ctime)
#undef gmtime
#define gmtime(...) HH_BANNED(gmtime)
#undef localtime
#define localtime(...) HH_BANNED(localtime)

#endif
