#include "seedlabel.h"

#include <string.h>

static void copy_label(char label[33], const unsigned char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		label[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	while (i > 0 && label[i - 1] == ' ')
		i--;
	label[i] = '\0';
}

/* ECMA-119 §8.4: the primary volume descriptor sits in sector 16, type 1,
 * standard identifier "CD001", volume identifier at offset 40 (32 bytes). */
static int iso9660(const unsigned char *buf, size_t len, char label[33])
{
	const unsigned char *pvd = buf + 32768;

	if (len < 32768 + 72 || pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0)
		return 0;
	copy_label(label, pvd + 40, 32);
	return 1;
}

/* FAT boot sector: signature 0x55AA; the extended BPB (signature 0x29)
 * holds the 11-byte label at 43 (FAT12/16) or 71 (FAT32). */
static int vfat(const unsigned char *buf, size_t len, char label[33])
{
	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xAA)
		return 0;
	if (buf[38] == 0x29 && memcmp(buf + 54, "FAT", 3) == 0) {
		copy_label(label, buf + 43, 11);
		return 1;
	}
	if (buf[66] == 0x29 && memcmp(buf + 82, "FAT32", 5) == 0) {
		copy_label(label, buf + 71, 11);
		return 1;
	}
	return 0;
}

enum seed_fs seedlabel_probe(const unsigned char *buf, size_t len, char label[33])
{
	label[0] = '\0';
	if (iso9660(buf, len, label))
		return SEED_ISO9660;
	if (vfat(buf, len, label))
		return SEED_VFAT;
	return SEED_NONE;
}

int seedlabel_is_cidata(const char *label)
{
	return strcmp(label, "cidata") == 0 || strcmp(label, "CIDATA") == 0;
}

const char *seedlabel_fstype(enum seed_fs fs)
{
	return fs == SEED_ISO9660 ? "iso9660" : fs == SEED_VFAT ? "vfat" : "none";
}
