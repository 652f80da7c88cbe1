/* sources.c - the five source names (see sources.h). */
#include "domain/sources.h"

#include <string.h>

static const char *const names[SRC_COUNT] = {
	"civil_affairs", "education", "hr", "housing", "medical"};
static const char *const options[SRC_COUNT] = {
	"civil-affairs", "education", "hr", "housing", "medical"};

const char *source_name(source_id s) { return names[s]; }

const char *source_option(source_id s) { return options[s]; }

int source_by_name(const char *name)
{
	for (int s = 0; s < SRC_COUNT; s++)
		if (!strcmp(name, names[s]) || !strcmp(name, options[s]))
			return s;
	return -1;
}
