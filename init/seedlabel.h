/* seedlabel: recognise a cloud-init NoCloud seed from a device's first bytes.
 *
 * The seed is any ISO 9660 or FAT filesystem labelled "cidata" or "CIDATA"
 * (the two labels cloud-init and Talos accept). Pure: the caller reads the
 * first SEEDLABEL_PROBE bytes of the device and passes them in.
 */
#ifndef CASTELLAN_SEEDLABEL_H
#define CASTELLAN_SEEDLABEL_H

#include <stddef.h>

#define SEEDLABEL_PROBE (32768 + 2048)	/* through the ISO 9660 primary descriptor */

enum seed_fs { SEED_NONE, SEED_ISO9660, SEED_VFAT };

/* Fills label (33 bytes, trailing blanks removed) and returns the
 * filesystem, or SEED_NONE when neither is recognised. len may be short. */
enum seed_fs seedlabel_probe(const unsigned char *buf, size_t len, char label[33]);

/* Nonzero for "cidata" and "CIDATA". */
int seedlabel_is_cidata(const char *label);

/* "iso9660" or "vfat": the name mount(2) wants. */
const char *seedlabel_fstype(enum seed_fs fs);

#endif
