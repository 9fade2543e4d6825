/* Thread-local last error (the one piece of per-thread state in the core). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "mbx/common.h"

#define MBX_ERRMSG_MAX 1024

static _Thread_local char errmsg[MBX_ERRMSG_MAX];

const char *mbx_error_last(void)
{
	return errmsg;
}

void mbx_error_clear(void)
{
	errmsg[0] = '\0';
}

int mbx_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return code;
}

int mbx_error_prefix(int code, const char *fmt, ...)
{
	char old[MBX_ERRMSG_MAX], pre[MBX_ERRMSG_MAX];
	va_list ap;

	memcpy(old, errmsg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	/* A message cut at MBX_ERRMSG_MAX is still the best we can say. */
	if (old[0] && snprintf(errmsg, sizeof(errmsg), "%s: %s", pre, old) >= (int)sizeof(errmsg))
		errmsg[sizeof(errmsg) - 1] = '\0';
	else if (!old[0])
		snprintf(errmsg, sizeof(errmsg), "%s", pre);
	return code;
}

const char *mbx_error_name(int code)
{
	switch (code) {
	case MBX_OK: return "success";
	case MBX_EINVAL: return "invalid input";
	case MBX_ENOTFOUND: return "not found";
	case MBX_EEXISTS: return "already exists";
	case MBX_EIO: return "I/O error";
	case MBX_ENOSPC: return "no space left";
	case MBX_ECORRUPT: return "corrupt file";
	case MBX_EREADONLY: return "read-only";
	case MBX_ECANCELLED: return "cancelled";
	case MBX_ESCHEMA: return "newer schema";
	case MBX_ELIMIT: return "over a format limit";
	case MBX_EBUSY: return "busy";
	default: return "error";
	}
}

const char *mbx_version(void)
{
	return PACKAGE_VERSION;
}
