/* The JSON lines on the second serial port are always valid JSON. */
#include "check.h"
#include "log.h"

int main(void)
{
	char out[64], tiny[8];

	log_json_escape(out, sizeof out, "plain");
	CHECK_STR(out, "plain");
	log_json_escape(out, sizeof out, "a \"quoted\" \\ path\n");
	CHECK_STR(out, "a \\\"quoted\\\" \\\\ path\\n");
	log_json_escape(out, sizeof out, "bell\a tab\t del\x7f");
	CHECK_STR(out, "bell\\u0007 tab\\u0009 del\\u007f");
	/* cut only between escapes, never inside one */
	CHECK(log_json_escape(tiny, sizeof tiny, "abcdef\"") == 6);
	CHECK_STR(tiny, "abcdef");
	CHECK(log_json_escape(tiny, sizeof tiny, "\n\n\n\n") == 6);
	CHECK_STR(tiny, "\\n\\n\\n");
	return check_done("log");
}
