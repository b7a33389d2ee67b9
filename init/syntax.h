/* syntax: the small lexical checks several parsers share.
 *
 * Hex digits, MAC addresses, UUIDs: each accepted in exactly one spelling
 * family and nothing looser, so every module agrees on what is valid.
 * Pure; no allocation.
 */
#ifndef CASTELLAN_SYNTAX_H
#define CASTELLAN_SYNTAX_H

/* 0-15, or -1 for anything but [0-9a-fA-F]. */
int syntax_hexval(char c);

/* "bc:24:11:aa:bb:cc" (either case) into mac; 0, or -1. */
int syntax_mac(const char *s, unsigned char mac[6]);

/* 8-4-4-4-12 hex digits, either case. out (37 bytes) may be NULL; when
 * given it receives the lower-case form. 0, or -1. */
int syntax_uuid(const char *s, char *out);

#endif
