/*
 * tests/props-desc DB ALIAS - the P records (item details, tests/PSTDESC.md)
 * an exported PST of mailbox ALIAS must give back, computed from the
 * extra item properties in the store's bags; together with tests/export-desc's output
 * it is the expected description for tests/pst-compare.sh.  Unsorted.
 *
 * Keys are printed by message class, as the describers print them:
 * IPM.Appointment start, end, location, busy; IPM.Contact file-as, given,
 * surname, company, title, email1-3, business-, home-, mobile-phone;
 * IPM.Task task-start, task-due, percent (whole percent).
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "mbx/store.h"
#include "test_util.h"

typedef struct key_def {
	const char *klass;       /* message class prefix */
	const char *key;
	const char *guid;        /* NULL: plain property */
	uint32_t id;
} key_def;

static const key_def keys[] = {
	{ "IPM.Appointment", "start", MBX_PSETID_APPOINTMENT, 0x820D },
	{ "IPM.Appointment", "end", MBX_PSETID_APPOINTMENT, 0x820E },
	{ "IPM.Appointment", "location", MBX_PSETID_APPOINTMENT, 0x8208 },
	{ "IPM.Appointment", "busy", MBX_PSETID_APPOINTMENT, 0x8205 },
	{ "IPM.Contact", "file-as", MBX_PSETID_ADDRESS, 0x8005 },
	{ "IPM.Contact", "given", NULL, 0x3A06 },
	{ "IPM.Contact", "surname", NULL, 0x3A11 },
	{ "IPM.Contact", "company", NULL, 0x3A16 },
	{ "IPM.Contact", "title", NULL, 0x3A17 },
	{ "IPM.Contact", "email1", MBX_PSETID_ADDRESS, 0x8083 },
	{ "IPM.Contact", "email2", MBX_PSETID_ADDRESS, 0x8093 },
	{ "IPM.Contact", "email3", MBX_PSETID_ADDRESS, 0x80A3 },
	{ "IPM.Contact", "business-phone", NULL, 0x3A08 },
	{ "IPM.Contact", "home-phone", NULL, 0x3A09 },
	{ "IPM.Contact", "mobile-phone", NULL, 0x3A1C },
	{ "IPM.Task", "task-start", MBX_PSETID_TASK, 0x8104 },
	{ "IPM.Task", "task-due", MBX_PSETID_TASK, 0x8105 },
	{ "IPM.Task", "percent", MBX_PSETID_TASK, 0x8102 },
};

static void value(const mbx_msg_prop *p)
{
	char buf[32];

	switch (p->type) {
	case MBX_PT_UNICODE:
		test_put_text(p->s);
		break;
	case MBX_PT_SYSTIME: {
		time_t t = (time_t)p->i;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		fputs(buf, stdout);
		break;
	}
	case MBX_PT_DOUBLE:
		printf("%d", (int)(p->d * 100.0 + (p->d < 0 ? -0.5 : 0.5)));
		break;
	default:
		printf("%" PRId64, p->i);
	}
}

static void message(const char *path, const mbx_message *m)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		mbx_msg_prop p;

		if (!m->message_class || strncmp(m->message_class, keys[i].klass, strlen(keys[i].klass)) != 0)
			continue;
		if (mbx_message_prop_get(m, keys[i].guid, keys[i].id, &p) != 0)
			continue;
		if (p.type == MBX_PT_UNICODE && (!p.s || !*p.s)) {
			mbx_msg_prop_clear(&p);
			continue;
		}
		fputs("P\t", stdout);
		test_put_text(path);
		putchar('\t');
		test_put_text(m->subject);
		printf("\t%s\t", keys[i].key);
		value(&p);
		putchar('\n');
		mbx_msg_prop_clear(&p);
	}
}

int main(int argc, char **argv)
{
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder *f;
	size_t n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: props-desc DB ALIAS\n");
		return 2;
	}
	if (mbx_store_open(&st, argv[1], MBX_STORE_READONLY) < 0 ||
	    mbx_store_mailbox_by_alias(st, argv[2], &mb) < 0 ||
	    mbx_store_folders(st, mb.id, &f, &n) < 0) {
		fprintf(stderr, "props-desc: %s\n", mbx_error_last());
		return 2;
	}
	for (i = 0; i < n; i++) {
		mbx_msg_iter *it;
		mbx_message *m;

		if (mbx_store_messages(st, f[i].id, &it) < 0)
			return 2;
		while (mbx_msg_iter_next(it, &m) == 1) {
			if (!m->associated)
				message(f[i].path, m);
			mbx_message_free(m);
		}
		mbx_msg_iter_free(it);
	}
	mbx_folders_free(f, n);
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
	return fflush(stdout) == 0 ? 0 : 1;
}
