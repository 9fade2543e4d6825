/*
 * tests/t_pstprop.c - the property-level reader through mbx/pstprop.h:
 *   - a file written through mbx/pst.h (tests/pstprop_testfile.h): store,
 *     folders, contents and FAI tables, every message's subject, body,
 *     recipients, named and plain extra properties, attachments (data
 *     streamed at block boundaries and past the end, kept out of the bag),
 *     the embedded message; in both encodings;
 *   - the shared files (skipped when absent): format, version, encoding,
 *     folder names, an ANSI calendar item's PidLidAppointmentStartWhole;
 *   - damage: a flipped byte in a message's data block (that message
 *     damaged, named by folder and subject from the contents table, the
 *     others read), a wrong block CRC, a damaged attachment block (the
 *     stream fails, the bag does not), a damaged B-tree page, a truncated
 *     file, a file that is not a PST, a missing file, a directory.
 */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/props.h"
#include "mbx/pstprop.h"
#include "pstprop/pstprop_int.h"
#include "tap.h"
#include "pstprop_testfile.h"

static char tmpdir[] = "/tmp/t_pstprop.XXXXXX";

static char *tpath(const char *name)
{
	return mbx_asprintf("%s/%s", tmpdir, name);
}

static int copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[65536];
	size_t n;

	if (!a || !b)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		fwrite(buf, 1, n, b);
	fclose(a);
	return fclose(b);
}

static void poke(const char *path, uint64_t off, uint8_t x)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	if (fd < 0 || pread(fd, &b, 1, (off_t)off) != 1)
		abort();
	b ^= x;
	if (pwrite(fd, &b, 1, (off_t)off) != 1)
		abort();
	close(fd);
}

static char *utf8_of(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);
	char *s = NULL;

	mbx_props_utf8(b, &k, 0, &s);
	/* a subject's prefix marker ("\x01" and a count) is part of the value */
	if (id == MBX_PID_TAG_SUBJECT && s && s[0] == 1 && s[1])
		memmove(s, s + 2, strlen(s + 2) + 1);
	return s;
}

static const mbx_pstprop_folder *folder_by_path(mbx_pstprop *p, const char *path)
{
	size_t i;

	for (i = 0; i < mbx_pstprop_folder_count(p); i++)
		if (strcmp(mbx_pstprop_folder_at(p, i)->path, path) == 0)
			return mbx_pstprop_folder_at(p, i);
	return NULL;
}

/* The offset of the data block of node nid (and of its BBT entry). */
static uint64_t block_of(mbx_pstprop *p, uint32_t nid, uint32_t *cb)
{
	const pp_nbt *n = pp_nbt_find(p, nid);
	size_t i;

	for (i = 0; n && i < p->nbbt; i++)
		if (p->bbt[i].bid == (n->bid_data & ~(uint64_t)1)) {
			*cb = (uint32_t)(p->bbt[i].ibcb & 0xFFFF);
			return p->bbt[i].ibcb >> 16;
		}
	return 0;
}

static int damage_has(mbx_pstprop *p, const char *obj, const char *what)
{
	size_t i;

	for (i = 0; i < mbx_pstprop_damage_count(p); i++) {
		const mbx_pstprop_damage *d = mbx_pstprop_damage_at(p, i);

		if ((!obj || strstr(d->object, obj)) && (!what || strstr(d->what, what)))
			return 1;
	}
	return 0;
}

static void show_damage(mbx_pstprop *p)
{
	size_t i;

	for (i = 0; i < mbx_pstprop_damage_count(p); i++)
		diag("damage: %s: %s", mbx_pstprop_damage_at(p, i)->object, mbx_pstprop_damage_at(p, i)->what);
}

static void check_written(const char *path, int crypt)
{
	mbx_pstprop *p;
	const mbx_pstprop_info *info;
	const mbx_pstprop_folder *inbox;
	uint32_t *nids, *fai;
	size_t n, nfai, i;
	char *s;

	if (!ok(mbx_pstprop_open(&p, path, 0) == 0, "crypt %d: the written file opens", crypt)) {
		diag("%s", mbx_error_last());
		return;
	}
	info = mbx_pstprop_info_get(p);
	is_int(info->format, MBX_PSTPROP_UNICODE, "crypt %d: Unicode", crypt);
	is_int(info->wver, 23, "crypt %d: wVer 23", crypt);
	is_int(info->crypt, (unsigned)crypt, "crypt %d: bCryptMethod", crypt);
	ok(info->ost == 0 && info->size > 0 && info->nodes > 0 && info->blocks > 0, "crypt %d: sizes and counts", crypt);
	s = utf8_of(&mbx_pstprop_store_bag(p)->props, MBX_PID_TAG_DISPLAY_NAME);
	is_str(s, "Test store", "crypt %d: the store's display name", crypt);
	mbx_free(s);
	is_int(mbx_pstprop_folder_at(p, 0)->kind, MBX_PSTPROP_FOLDER_ROOT, "crypt %d: folder 0 is the root", crypt);
	inbox = folder_by_path(p, "Top of Personal Folders/Inbox");
	if (!ok(inbox != NULL, "crypt %d: Top of Personal Folders/Inbox", crypt)) {
		mbx_pstprop_free(p);
		return;
	}
	is_str(inbox->name, "Inbox", "crypt %d: its name", crypt);
	ok(inbox->nmsg == 3 && inbox->nfai == 1 && inbox->content_count == 3, "crypt %d: 3 messages, 1 FAI (%zu, %zu, %u)",
	   crypt, inbox->nmsg, inbox->nfai, inbox->content_count);
	ok(inbox->depth == 2 && inbox->kind == MBX_PSTPROP_FOLDER_NORMAL && !inbox->damaged, "crypt %d: depth, kind", crypt);
	ok(mbx_pstprop_folder_contents(p, inbox->nid, 0, &nids, &n) == 0 && n == 3, "crypt %d: contents table", crypt);
	ok(mbx_pstprop_folder_contents(p, inbox->nid, 1, &fai, &nfai) == 0 && nfai == 1, "crypt %d: FAI table", crypt);
	for (i = 0; i < n; i++) {
		static const char *subj[] = { "first", "second", "third" };
		static const char *who[] = { "Alice", "Bert", "Carl" };
		mbx_pstprop_msg *m;
		char *r0, *r1;

		if (!ok(mbx_pstprop_message_read(p, nids[i], &m) == 0 && !m->damaged, "crypt %d: message %zu reads", crypt, i))
			continue;
		s = utf8_of(&m->bag.props, MBX_PID_TAG_SUBJECT);
		is_str(s, subj[i], "crypt %d: message %zu subject", crypt, i);
		mbx_free(s);
		r0 = m->nrcpt > 0 ? utf8_of(&m->rcpt[0].props, MBX_PID_TAG_DISPLAY_NAME) : NULL;
		r1 = m->nrcpt > 1 ? utf8_of(&m->rcpt[1].props, MBX_PID_TAG_EMAIL_ADDRESS) : NULL;
		ok(m->nrcpt == 2 && r0 && strcmp(r0, who[i]) == 0 && r1 && strcmp(r1, "cc@example.com") == 0,
		   "crypt %d: message %zu recipients, a bag per row", crypt, i);
		mbx_free(r0);
		mbx_free(r1);
		if (i == 0) {
			const mbx_pstprop_attach *a = m->natt > 0 ? &m->att[0] : NULL;
			unsigned char buf[9000];
			size_t got;
			int good = 1;
			uint64_t off;
			mbx_propkey k = MBX_KEY(MBX_PID_TAG_ATTACH_DATA_BINARY);

			if (!ok(m->natt == 3 && a, "crypt %d: three attachments", crypt))
				goto next;
			ok(a->method == MBX_ATTACH_BY_VALUE && a->data_type == MBX_PT_BINARY && a->data_size == TF_BIG,
			   "crypt %d: by value, PtypBinary, %d bytes (%llu)", crypt, TF_BIG, (unsigned long long)a->data_size);
			ok(!mbx_props_get(&a->bag.props, &k), "crypt %d: the data is not in the bag", crypt);
			s = utf8_of(&a->bag.props, MBX_PID_TAG_ATTACH_LONG_FILENAME);
			is_str(s, "big.bin", "crypt %d: the attachment's file name", crypt);
			mbx_free(s);
			for (off = 0; off < TF_BIG && good; off += got) {
				size_t want = off % 3 ? 8176 : 7919, j;

				if (mbx_pstprop_attach_read(p, a, off, buf, want, &got) < 0 || got == 0)
					good = 0;
				for (j = 0; good && j < got; j++)
					if (buf[j] != tf_pattern(off + j))
						good = 0;
			}
			ok(good && off == TF_BIG, "crypt %d: the data streams back byte for byte", crypt);
			ok(mbx_pstprop_attach_read(p, a, 8170, buf, 20, &got) == 0 && got == 20 && buf[6] == tf_pattern(8176),
			   "crypt %d: a read across a block boundary", crypt);
			ok(mbx_pstprop_attach_read(p, a, TF_BIG - 5, buf, 100, &got) == 0 && got == 5,
			   "crypt %d: a read past the end gives what is left", crypt);
			ok(mbx_pstprop_attach_read(p, a, TF_BIG + 5, buf, 100, &got) == 0 && got == 0,
			   "crypt %d: a read after the end gives nothing", crypt);
			ok(m->att[1].data_size == 10 && mbx_pstprop_attach_read(p, &m->att[1], 0, buf, 100, &got) == 0 &&
			   got == 10 && buf[9] == tf_pattern(9), "crypt %d: the small attachment (in the heap)", crypt);
			ok(m->att[2].method == MBX_ATTACH_EMBEDDED_MSG && m->att[2].embedded && m->att[2].data_type == 0,
			   "crypt %d: the embedded message", crypt);
			if (m->att[2].embedded) {
				s = utf8_of(&m->att[2].embedded->bag.props, MBX_PID_TAG_SUBJECT);
				is_str(s, "inner", "crypt %d: its subject", crypt);
				mbx_free(s);
				ok(m->att[2].embedded->nrcpt == 1, "crypt %d: its recipient", crypt);
			}
		}
		if (i == 1) {
			mbx_propkey k = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_START_WHOLE);
			mbx_propkey l = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_LOCATION);
			int64_t t = 0;

			ok(mbx_props_time(&m->bag.props, &k, &t) == 0 && t == TF_START,
			   "crypt %d: the named PidLidAppointmentStartWhole, by set and LID", crypt);
			ok(mbx_props_utf8(&m->bag.props, &l, 0, &s) == 0 && strcmp(s, "Room 101") == 0,
			   "crypt %d: the named PidLidLocation", crypt);
			mbx_free(s);
			s = utf8_of(&m->bag.props, MBX_PID_TAG_COMPANY_NAME);
			is_str(s, "Contoso", "crypt %d: the plain extra property", crypt);
			mbx_free(s);
			s = utf8_of(&m->bag.props, MBX_PID_TAG_MESSAGE_CLASS);
			is_str(s, "IPM.Appointment", "crypt %d: the message class", crypt);
			mbx_free(s);
		}
next:
		mbx_pstprop_message_free(m);
	}
	if (nfai) {
		mbx_pstprop_msg *m;

		if (ok(mbx_pstprop_message_read(p, fai[0], &m) == 0, "crypt %d: the FAI item reads", crypt)) {
			s = utf8_of(&m->bag.props, MBX_PID_TAG_MESSAGE_CLASS);
			is_str(s, "IPM.Configuration.Test", "crypt %d: its class", crypt);
			mbx_free(s);
			mbx_pstprop_message_free(m);
		}
	}
	is_int(mbx_pstprop_damage_count(p), 0, "crypt %d: no damage", crypt);
	mbx_free(nids);
	mbx_free(fai);
	mbx_pstprop_free(p);
}

/* Damage: returns the NIDs of Inbox's messages in nids[3]. */
static int inbox_nids(mbx_pstprop *p, uint32_t nids[3])
{
	const mbx_pstprop_folder *f = folder_by_path(p, "Top of Personal Folders/Inbox");
	uint32_t *v;
	size_t n;

	if (!f || mbx_pstprop_folder_contents(p, f->nid, 0, &v, &n) < 0 || n != 3) {
		return -1;
	}
	memcpy(nids, v, 3 * sizeof(*v));
	mbx_free(v);
	return 0;
}

static void check_damage(const char *good)
{
	char *bad = tpath("bad.pst");
	mbx_pstprop *p;
	uint32_t nids[3], cb = 0;
	uint64_t ib;
	mbx_pstprop_msg *m;
	size_t i;

	/* 1. a flipped byte in the second message's data block */
	if (mbx_pstprop_open(&p, good, 0) < 0 || inbox_nids(p, nids) < 0)
		abort();
	ib = block_of(p, nids[1], &cb);
	mbx_pstprop_free(p);
	copy_file(good, bad);
	poke(bad, ib + cb / 2, 0x5A);
	ok(mbx_pstprop_open(&p, bad, 0) == 0, "flipped byte: the file still opens");
	inbox_nids(p, nids);
	for (i = 0; i < 3; i++) {
		if (mbx_pstprop_message_read(p, nids[i], &m) < 0)
			continue;
		if (i == 1)
			ok(m->damaged && m->bag.props.n == 0, "flipped byte: the second message is damaged");
		else
			ok(!m->damaged && m->bag.props.n > 10 && m->nrcpt == 2, "flipped byte: message %zu still reads", i);
		mbx_pstprop_message_free(m);
	}
	ok(damage_has(p, "folder 'Top of Personal Folders/Inbox'", "CRC") &&
	   damage_has(p, "'second' (subject from the contents table)", NULL),
	   "flipped byte: reported with its folder, its subject and the block's CRC");
	show_damage(p);
	mbx_pstprop_free(p);

	/* 2. a wrong CRC in the third message's block trailer */
	if (mbx_pstprop_open(&p, good, 0) < 0 || inbox_nids(p, nids) < 0)
		abort();
	ib = block_of(p, nids[2], &cb);
	mbx_pstprop_free(p);
	copy_file(good, bad);
	poke(bad, ib + ((cb + 16 + 63) & ~63u) - 16 + 4, 0x01);   /* dwCRC of the BLOCKTRAILER */
	mbx_pstprop_open(&p, bad, 0);
	inbox_nids(p, nids);
	mbx_pstprop_message_read(p, nids[2], &m);
	ok(m && m->damaged && damage_has(p, "'third'", "CRC"), "wrong CRC: the third message is damaged, named");
	mbx_pstprop_message_free(m);
	mbx_pstprop_message_read(p, nids[0], &m);
	ok(m && !m->damaged, "wrong CRC: the first message still reads");
	mbx_pstprop_message_free(m);
	mbx_pstprop_free(p);

	/* 3. a damaged block of the big attachment: full 8176-byte data blocks */
	if (mbx_pstprop_open(&p, good, 0) < 0)
		abort();
	ib = 0;
	for (i = 0; i < p->nbbt; i++)
		if ((p->bbt[i].ibcb & 0xFFFF) == 8176 && !(p->bbt[i].bid & 2)) {
			ib = p->bbt[i].ibcb >> 16;
			break;
		}
	mbx_pstprop_free(p);
	copy_file(good, bad);
	poke(bad, ib + 100, 0xFF);
	mbx_pstprop_open(&p, bad, 0);
	inbox_nids(p, nids);
	mbx_pstprop_message_read(p, nids[0], &m);
	if (ok(m && m->natt == 3, "damaged attachment block: the message and its bags read")) {
		unsigned char *buf = mbx_malloc(TF_BIG);
		uint64_t off = 0;
		size_t got = 0;
		int rc = 0;

		while (off < TF_BIG && (rc = mbx_pstprop_attach_read(p, &m->att[0], off, buf, 65536, &got)) == 0 && got)
			off += got;
		ok(rc == MBX_ECORRUPT && off < TF_BIG, "damaged attachment block: the stream stops with MBX_ECORRUPT");
		ok(strstr(mbx_error_last(), "attachment data block") != NULL, "  the error says so: %s", mbx_error_last());
		ok(damage_has(p, "'first', attachment #0", "CRC"), "  reported with the message and the attachment");
		mbx_free(buf);
	}
	mbx_pstprop_message_free(m);
	mbx_pstprop_free(p);

	/* 4. a damaged B-tree leaf page (the NBT's root, here a leaf) */
	if (mbx_pstprop_open(&p, good, 0) < 0)
		abort();
	ib = p->nbt_ib;
	mbx_pstprop_free(p);
	copy_file(good, bad);
	poke(bad, ib + 3, 0x10);
	ok(mbx_pstprop_open(&p, bad, 0) == MBX_ECORRUPT && strstr(mbx_error_last(), "bad.pst") &&
	   strstr(mbx_error_last(), "NBT"), "damaged NBT root page: refused, naming the file and the tree (%s)",
	   mbx_error_last());
	mbx_pstprop_free(p);

	/* 5. truncated to half: the B-trees are at the end of a written file */
	{
		struct stat sb;

		stat(good, &sb);
		copy_file(good, bad);
		if (truncate(bad, sb.st_size / 2) != 0)
			abort();
		ok(mbx_pstprop_open(&p, bad, 0) == MBX_ECORRUPT && strstr(mbx_error_last(), "outside the file"),
		   "truncated: refused, the tree lies outside the file (%s)", mbx_error_last());
		copy_file(good, bad);
		if (truncate(bad, 300) != 0)
			abort();
		ok(mbx_pstprop_open(&p, bad, 0) == MBX_ECORRUPT && strstr(mbx_error_last(), "truncated"),
		   "truncated in the header: refused (%s)", mbx_error_last());
	}
	mbx_free(bad);
}

static void check_refused(void)
{
	char *txt = tpath("notes.txt"), *missing = tpath("missing.pst");
	FILE *fp = fopen(txt, "w");
	mbx_pstprop *p = (mbx_pstprop *)1;

	fputs("this is not a PST file, just some words\n", fp);
	fclose(fp);
	ok(mbx_pstprop_open(&p, txt, 0) == MBX_ECORRUPT && p == NULL && strstr(mbx_error_last(), "notes.txt") &&
	   strstr(mbx_error_last(), "not a PST or OST"), "a text file: MBX_ECORRUPT (%s)", mbx_error_last());
	ok(mbx_pstprop_open(&p, missing, 0) == MBX_ENOTFOUND, "a missing file: MBX_ENOTFOUND");
	ok(mbx_pstprop_open(&p, tmpdir, 0) == MBX_EINVAL && strstr(mbx_error_last(), "not a regular file"),
	   "a directory: MBX_EINVAL");
	mbx_pstprop_free(NULL);
	mbx_pstprop_message_free(NULL);
	ok(1, "mbx_pstprop_free(NULL) and mbx_pstprop_message_free(NULL) are no-ops");
	mbx_free(txt);
	mbx_free(missing);
}

static void check_shared(void)
{
	const char *sh = getenv("MBX_SHARED");
	char *ansi, *support, *empty, *s;
	mbx_pstprop *p;
	const mbx_pstprop_folder *f;
	uint32_t *nids;
	size_t n;
	struct stat sb;

	if (!sh) {
		diag("MBX_SHARED not set: shared files skipped");
		return;
	}
	ansi = mbx_asprintf("%s/testdata/pst/ansi-32bit.pst", sh);
	support = mbx_asprintf("%s/testdata/pst/support.pst", sh);
	empty = mbx_asprintf("%s/testdata/pst/outlook-empty.pst", sh);
	if (stat(ansi, &sb) != 0) {
		diag("shared PSTs absent: skipped");
		goto out;
	}
	if (ok(mbx_pstprop_open(&p, ansi, 0) == 0, "ansi-32bit.pst opens")) {
		const mbx_pstprop_info *info = mbx_pstprop_info_get(p);

		ok(info->format == MBX_PSTPROP_ANSI && info->wver == 14 && info->crypt == 1,
		   "  ANSI, wVer 14, compressible (%s)", info->description);
		f = folder_by_path(p, "Top of Personal Folders/Calendar");
		if (ok(f && mbx_pstprop_folder_contents(p, f->nid, 0, &nids, &n) == 0 && n == 1, "  Calendar holds 1 item")) {
			mbx_pstprop_msg *m;
			mbx_propkey k = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_START_WHOLE);
			const mbx_prop *pr;
			int64_t ft = 0;

			mbx_pstprop_message_read(p, nids[0], &m);
			pr = mbx_props_get(&m->bag.props, &k);
			ok(pr && pr->type == MBX_PT_SYSTIME && mbx_props_i64(&m->bag.props, &k, &ft) == 0 &&
			   ft == INT64_C(0x01c4861a890fc400), "  its PidLidAppointmentStartWhole (2004-08-19 18:30 UTC)");
			s = utf8_of(&m->bag.props, MBX_PID_TAG_MESSAGE_CLASS);
			is_str(s, "IPM.Appointment", "  its class (PT_STRING8 in an ANSI file)");
			mbx_free(s);
			ok(m->nrcpt == 7 && !m->damaged, "  its 7 recipient rows");
			mbx_pstprop_message_free(m);
			mbx_free(nids);
		}
		is_int(mbx_pstprop_damage_count(p), 0, "  no damage");
		mbx_pstprop_free(p);
	}
	if (ok(mbx_pstprop_open(&p, support, 0) == 0, "support.pst opens")) {
		f = folder_by_path(p, "Top of Personal Folders/Sent Messages");
		ok(f && f->nmsg == 11, "  Sent Messages holds 11 messages");
		ok(mbx_pstprop_folder_count(p) == 25, "  25 folders with the root and the search folders (%zu)",
		   mbx_pstprop_folder_count(p));
		f = folder_by_path(p, "SPAM Search Folder 2");
		ok(f && f->kind == MBX_PSTPROP_FOLDER_SEARCH, "  the spam search folder is a search folder");
		is_int(mbx_pstprop_damage_count(p), 0, "  no damage");
		mbx_pstprop_free(p);
	}
	if (ok(mbx_pstprop_open(&p, empty, 0) == 0, "outlook-empty.pst opens")) {
		ok(folder_by_path(p, "Top of Outlook data file/Deleted Items") != NULL, "  its Deleted Items");
		s = utf8_of(&mbx_pstprop_store_bag(p)->props, MBX_PID_TAG_DISPLAY_NAME);
		is_str(s, "Empty", "  the store's display name");
		mbx_free(s);
		mbx_pstprop_free(p);
	}
out:
	mbx_free(ansi);
	mbx_free(support);
	mbx_free(empty);
}

int main(void)
{
	char *f0, *f1;

	if (!mkdtemp(tmpdir))
		return 99;
	f0 = tpath("plain.pst");
	f1 = tpath("permute.pst");
	ok(tf_write(f0, MBX_PST_CRYPT_NONE) == 0, "test file written (no encoding)");
	ok(tf_write(f1, MBX_PST_CRYPT_PERMUTE) == 0, "test file written (compressible encoding)");
	check_written(f0, 0);
	check_written(f1, 1);
	check_damage(f1);
	check_refused();
	check_shared();
	mbx_free(f0);
	mbx_free(f1);
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		mbx_free(cmd);
	}
	return tap_done();
}
