/*
 * tests/pstprop_testfile.h - the small PST the property-level reader's
 * tests write through mbx/pst.h (t_pstprop, t_pstprop_fuzz): folder
 * Inbox with three messages -- "first" with a 300,000-byte attachment (a
 * data tree), a small one and an embedded message; "second" with named
 * properties (an appointment start and location) and a plain extra
 * property; "third" plain -- each with two recipients; and one FAI item.
 */
#ifndef MBX_TESTS_PSTPROP_TESTFILE_H
#define MBX_TESTS_PSTPROP_TESTFILE_H

#include "mbx/pst.h"
#include "mbx/mapitags.h"

#define TF_BIG 300000
#define TF_START 1700000000   /* the appointment start (Unix seconds) */

static unsigned char tf_pattern(size_t i)
{
	return (unsigned char)((i * 31 + (i >> 8) + (i >> 16) * 7) & 0xFF);
}

static int tf_attach(mbx_pst_msg *m, const char *name, size_t n)
{
	mbx_pst_attach_props ap = { name, "application/octet-stream", (int64_t)n, 0, NULL };
	unsigned char buf[4096];
	size_t off = 0, i;
	int rc = mbx_pst_attach_begin(m, &ap);

	while (rc == 0 && off < n) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

		for (i = 0; i < k; i++)
			buf[i] = tf_pattern(off + i);
		rc = mbx_pst_attach_write(m, buf, k);
		off += k;
	}
	return rc ? rc : mbx_pst_attach_end(m);
}

static int tf_recips(mbx_pst_msg *m, const char *who)
{
	mbx_pst_recipient r1 = { 1, who, "to@example.com", NULL, NULL }, r2 = { 2, "Carbon Copy", "cc@example.com", NULL, NULL };
	int rc = mbx_pst_message_add_recipient(m, &r1);

	return rc ? rc : mbx_pst_message_add_recipient(m, &r2);
}

/* Write the test file; 0 or <0. */
static int tf_write(const char *path, int crypt)
{
	mbx_pst *pst;
	mbx_pst_opts o;
	mbx_pst_nid inbox;
	mbx_pst_msg *m, *e;
	mbx_pst_message_props mp;
	mbx_props extra;
	int rc;

	mbx_pst_opts_init(&o);
	o.crypt = crypt;
	o.fsync = 0;
	o.keep_temp = 1;
	o.display_name = "Test store";
	if ((rc = mbx_pst_create(&pst, path, &o)) < 0)
		return rc;
	rc = mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Inbox", NULL, &inbox);
	memset(&mp, 0, sizeof(mp));
	mp.subject = "first";
	mp.sender_name = "Sender One";
	mp.sender_address = "one@example.com";
	mp.body = "the first body";
	mp.submit_time = 1600000000;
	if (rc == 0)
		rc = mbx_pst_message_begin(pst, inbox, &mp, &m);
	if (rc == 0)
		rc = tf_recips(m, "Alice");
	if (rc == 0)
		rc = tf_attach(m, "big.bin", TF_BIG);
	if (rc == 0)
		rc = tf_attach(m, "small.txt", 10);
	if (rc == 0) {
		mbx_pst_message_props ep;

		memset(&ep, 0, sizeof(ep));
		ep.subject = "inner";
		ep.body = "inside";
		rc = mbx_pst_attach_message_begin(m, "inner.msg", &ep, &e);
		if (rc == 0) {
			mbx_pst_recipient r = { 1, "Inner Bob", "bob@example.com", NULL, NULL };

			rc = mbx_pst_message_add_recipient(e, &r);
			if (rc == 0)
				rc = mbx_pst_message_end(e, NULL);
		}
	}
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);

	memset(&mp, 0, sizeof(mp));
	mp.message_class = "IPM.Appointment";
	mp.subject = "second";
	mp.body = "the second body";
	mbx_props_init(&extra);
	mbx_props_set_time(&extra, &MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_START_WHOLE), TF_START);
	mbx_props_set_utf8(&extra, &MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_LOCATION), "Room 101");
	mbx_props_set_utf8(&extra, &MBX_KEY(MBX_PID_TAG_COMPANY_NAME), "Contoso");
	mp.props = &extra;   /* beside the fields */
	if (rc == 0)
		rc = mbx_pst_message_begin(pst, inbox, &mp, &m);
	mbx_props_clear(&extra);
	if (rc == 0)
		rc = tf_recips(m, "Bert");
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);

	memset(&mp, 0, sizeof(mp));
	mp.subject = "third";
	mp.body = "the third body";
	if (rc == 0)
		rc = mbx_pst_message_begin(pst, inbox, &mp, &m);
	if (rc == 0)
		rc = tf_recips(m, "Carl");
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);

	memset(&mp, 0, sizeof(mp));
	mp.message_class = "IPM.Configuration.Test";
	mp.subject = "fai";
	mp.associated = 1;
	if (rc == 0)
		rc = mbx_pst_message_begin(pst, inbox, &mp, &m);
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);
	if (rc == 0)
		rc = mbx_pst_close(pst);
	mbx_pst_free(pst);
	return rc;
}

#endif
