/* Export building blocks: file naming, filters, dates and sizes,
 * ExMerge.ini parsing, the Exmerge-format log. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mbx/export.h"
#include "mbx/log.h"
#include "mbx/store.h"
#include "export/export_int.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_export_unit.XXXXXX";

static char *write_file(const char *name, const char *text)
{
	char *p = mbx_asprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");

	fputs(text, f);
	fclose(f);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = mbx_calloc(1, 65536);

	if (f) {
		size_t n = fread(buf, 1, 65535, f);

		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static void test_naming(void)
{
	char *s;

	s = mbx_export_file_name("JSmith", 1);
	is_str(s, "JSMITH.PST", "alias upper-cased as Exmerge did");
	mbx_free(s);
	s = mbx_export_file_name("JSmith", 2);
	is_str(s, "JSMITH-002.PST", "second split part");
	mbx_free(s);
	s = mbx_export_file_name("../../etc/passwd", 1);
	ok(!strchr(s, '/') && !strstr(s, "..") && s[0] != '.', "path traversal neutralized: %s", s);
	mbx_free(s);
	s = mbx_export_file_name("a\\b:c*d?e\"f<g>h|i", 1);
	is_str(s, "A_B_C_D_E_F_G_H_I.PST", "Windows-forbidden characters replaced");
	mbx_free(s);
	s = mbx_export_file_name("con", 1);
	is_str(s, "CON_.PST", "reserved device name CON");
	mbx_free(s);
	s = mbx_export_file_name("Com1", 1);
	is_str(s, "COM1_.PST", "reserved device name COM1");
	mbx_free(s);
	s = mbx_export_file_name("nul.txt", 1);
	is_str(s, "NUL_.TXT.PST", "reserved name with an extension");
	mbx_free(s);
	s = mbx_export_file_name("a\x01\x1b[2Jb", 1);
	is_str(s, "A__[2JB.PST", "control characters replaced");
	mbx_free(s);
	s = mbx_export_file_name("", 1);
	is_str(s, "MAILBOX.PST", "empty alias gets a name");
	mbx_free(s);
	s = mbx_export_file_name(" ..hidden.. ", 1);
	is_str(s, "HIDDEN.PST", "no leading or trailing dots and spaces");
	mbx_free(s);
	s = mbx_export_file_name("a..b", 1);
	is_str(s, "A.B.PST", "no '..' inside");
	mbx_free(s);
	s = mbx_export_file_name("m\xc3\xbcller", 1);
	is_str(s, "M\xc3\xbcLLER.PST", "UTF-8 kept");
	mbx_free(s);
	s = mbx_export_file_name("bad\xff\xfe", 1);
	is_str(s, "BAD__.PST", "invalid UTF-8 replaced");
	mbx_free(s);
	s = mbx_export_file_name("\xc2\x85x", 1);
	is_str(s, "_X.PST", "C1 control replaced");
	mbx_free(s);
	{
		char longa[400];

		memset(longa, 'a', sizeof(longa) - 1);
		longa[sizeof(longa) - 1] = '\0';
		s = mbx_export_file_name(longa, 1);
		ok(strlen(s) <= 64 + 4, "long alias shortened (%zu bytes)", strlen(s));
		mbx_free(s);
	}
	{
		exp_names ns = { 0 };
		const char *n, *kept;
		int k, all_new = 1;

		exp_names_take(&ns, "JSMITH");
		ok(strcmp(exp_names_take(&ns, "jsmith_2"), "jsmith_2") == 0, "take hands out its copy");
		n = exp_names_unique(&ns, "JSMITH");
		is_str(n, "JSMITH_3", "collision gets a numeric suffix (case-insensitive)");
		kept = exp_names_unique(&ns, "OTHER");
		is_str(kept, "OTHER", "no collision, no suffix");
		n = exp_names_unique(&ns, "other");
		is_str(n, "other_2", "taken names are taken whatever their case");
		ok(exp_names_has(&ns, "Jsmith_3") && !exp_names_has(&ns, "JSMITH_4"), "has");
		/* 20,000 mailboxes of one base: each one step, all different */
		for (k = 0; k < 20000; k++) {
			n = exp_names_unique(&ns, "SAME");
			if (k == 19999 && strcmp(n, "SAME_20000") != 0)
				all_new = 0;
		}
		is_str(kept, "OTHER", "names handed out stay where they are as the table grows");
		ok(all_new && ns.count == 20000 + 5, "20,000 names of one base: SAME ... SAME_20000");
		exp_names_free(&ns);
		exp_names_free(NULL);
	}
}

static void test_dates_sizes(void)
{
	int64_t t = 0;

	ok(mbx_export_parse_date("2001-02-03", 0, &t) == 0 && t == 981158400, "ISO date");
	ok(mbx_export_parse_date("2001-02-03", 1, &t) == 0 && t == 981158400 + 86399, "ISO date, end of day");
	ok(mbx_export_parse_date("02/03/2001 10:20:30", 0, &t) == 0 && t == 981158400 + 37230,
	   "Exmerge MM/DD/YYYY HH:MM:SS");
	ok(mbx_export_parse_date("2001-02-03 10:20", 1, &t) == 0 && t == 981158400 + 37200,
	   "date with time ignores end_of_day");
	ok(mbx_export_parse_date("2001-02-30", 0, &t) == MBX_EINVAL, "31 February rejected");
	ok(mbx_export_parse_date("yesterday", 0, &t) == MBX_EINVAL &&
	   strstr(mbx_error_last(), "yesterday"), "garbage rejected, named: %s", mbx_error_last());
	ok(mbx_export_parse_date("2001-02-03x", 0, &t) == MBX_EINVAL, "trailing junk rejected");
	ok(mbx_export_parse_size("2G", &t) == 0 && t == 2147483648LL, "2G");
	ok(mbx_export_parse_size("500K", &t) == 0 && t == 512000, "500K");
	ok(mbx_export_parse_size("1.5MB", &t) == 0 && t == 1572864, "1.5MB");
	ok(mbx_export_parse_size("1048576", &t) == 0 && t == 1048576, "plain bytes");
	ok(mbx_export_parse_size("0", &t) == MBX_EINVAL, "zero rejected");
	ok(mbx_export_parse_size("10X", &t) == MBX_EINVAL, "unknown unit rejected");
	ok(mbx_export_parse_size("-5M", &t) == MBX_EINVAL, "negative rejected");
}

/* A German mailbox: well-known names must match by role. */
static mbx_folder folders[] = {
	{ 1, 9, 0, "Posteingang", "IPF.Note", MBX_ROLE_INBOX, 0, 0, "Posteingang", MBX_PROPS_INIT },
	{ 2, 9, 1, "Projekte", "IPF.Note", MBX_ROLE_NONE, 0, 0, "Posteingang/Projekte", MBX_PROPS_INIT },
	{ 3, 9, 2, "Alt", "IPF.Note", MBX_ROLE_NONE, 0, 0, "Posteingang/Projekte/Alt", MBX_PROPS_INIT },
	{ 4, 9, 0, "Gesendete Objekte", "IPF.Note", MBX_ROLE_SENT, 0, 0, "Gesendete Objekte", MBX_PROPS_INIT },
	{ 5, 9, 0, "Archiv", "IPF.Note", MBX_ROLE_NONE, 0, 0, "Archiv", MBX_PROPS_INIT },
	{ 6, 9, 5, "2001", "IPF.Note", MBX_ROLE_NONE, 0, 0, "Archiv/2001", MBX_PROPS_INIT },
};
#define NF (sizeof(folders) / sizeof(folders[0]))

static const char *sel_string(const mbx_export_filter *f, char *buf, int which)
{
	int sel[NF], wr[NF];
	size_t i;

	exp_filter_folders(f, folders, NF, sel, wr);
	for (i = 0; i < NF; i++)
		buf[i] = (char)('0' + (which ? wr[i] : sel[i]));
	buf[NF] = '\0';
	return buf;
}

static void test_folder_filter(void)
{
	mbx_export_filter f;
	mbx_folder_sel s[2];
	char b[NF + 1];

	memset(&f, 0, sizeof(f));
	is_str(sel_string(&f, b, 0), "111111", "no folder filter: everything");
	s[0].path = "Inbox";
	s[0].subtree = 1;
	f.include = s;
	f.n_include = 1;
	is_str(sel_string(&f, b, 0), "111000", "include Inbox (subtree) finds Posteingang by role");
	s[0].subtree = 0;
	is_str(sel_string(&f, b, 0), "100000", "include Inbox without subfolders");
	s[0].path = "/Top of Information Store/Inbox/Projekte";
	s[0].subtree = 0;
	is_str(sel_string(&f, b, 0), "010000", "include a subfolder by path, Exmerge-style prefix");
	is_str(sel_string(&f, b, 1), "110000", "its parent is written as a container");
	s[0].path = "archiv\\2001";
	is_str(sel_string(&f, b, 0), "000001", "case-insensitive, backslash separator");
	f.include = NULL;
	f.n_include = 0;
	s[0].path = "Inbox/Projekte";
	s[0].subtree = 1;
	f.exclude = s;
	f.n_exclude = 1;
	is_str(sel_string(&f, b, 0), "100111", "exclude a subtree");
	s[0].subtree = 0;
	is_str(sel_string(&f, b, 0), "101111", "exclude one folder, keep its children");
	s[0].path = "Sent Items";
	s[0].subtree = 1;
	is_str(sel_string(&f, b, 0), "111011", "exclude Sent Items by role");
	s[1].path = "Inbox";
	s[1].subtree = 1;
	f.include = &s[1];
	f.n_include = 1;
	s[0].path = "Inbox/Projekte/Alt";
	is_str(sel_string(&f, b, 0), "110000", "include and exclude together: exclude wins");
	is_int(exp_folder_depth(folders, NF, 2), 3, "folder depth");
}

static void test_message_filter(void)
{
	mbx_export_filter f;
	mbx_message m, emb;
	mbx_attachment att[2], eatt;

	memset(&f, 0, sizeof(f));
	memset(&m, 0, sizeof(m));
	memset(&emb, 0, sizeof(emb));
	memset(att, 0, sizeof(att));
	memset(&eatt, 0, sizeof(eatt));
	m.subject = "Quarterly REPORT draft";
	m.message_class = "IPM.Note.SMIME";
	m.received_time = 1000000;
	m.sent_time = 900000;
	att[0].filename = "budget.XLS";
	att[1].embedded = &emb;
	emb.attachments = &eatt;
	emb.n_attachments = 1;
	eatt.filename = "inner.pdf";
	m.attachments = att;
	m.n_attachments = 2;

	ok(exp_filter_message(&f, &m), "no filter passes");
	f.from = 999999;
	ok(exp_filter_message(&f, &m), "received after from");
	f.date_field = MBX_DATE_SENT;
	ok(!exp_filter_message(&f, &m), "sent before from");
	f.date_field = MBX_DATE_RECEIVED;
	f.to = 999999;
	f.from = 0;
	ok(!exp_filter_message(&f, &m), "received after to");
	f.to = 0;
	f.from = 1;
	m.received_time = 0;
	ok(!exp_filter_message(&f, &m), "undated message excluded by a date range");
	m.received_time = 1000000;
	f.from = 0;
	f.subject = "report";
	ok(exp_filter_message(&f, &m), "subject contains, case-insensitive");
	f.subject = "minutes";
	ok(!exp_filter_message(&f, &m), "subject does not contain");
	f.subject = NULL;
	f.attachment_glob = "*.xls";
	ok(exp_filter_message(&f, &m), "attachment glob, case-insensitive");
	f.attachment_glob = "*.pdf";
	ok(exp_filter_message(&f, &m), "attachment glob finds an embedded message's attachment");
	f.attachment_glob = "*.doc";
	ok(!exp_filter_message(&f, &m), "no attachment matches");
	f.attachment_glob = NULL;
	f.class_prefix = "IPM.Note";
	ok(exp_filter_message(&f, &m), "class prefix");
	f.class_prefix = "IPM.Appointment";
	ok(!exp_filter_message(&f, &m), "other class");
	m.associated = 1;
	ok(exp_filter_message(&f, &m), "FAI items are not filtered by class/date/subject");
	f.no_associated = 1;
	ok(!exp_filter_message(&f, &m), "--no-associated drops FAI items");
}

static void test_ini(void)
{
	mbx_exmerge_ini *ini = NULL;
	char *p, *list, *flist;
	int rc;

	list = write_file("mailboxes.txt", "\xef\xbb\xbf/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith\n"
	                  "; comment\n\nMJones\n");
	flist = write_file("folders.txt", "Inbox/Projects\nDeleted Items\n");
	free(list);
	free(flist);
	p = write_file("ok.ini",
	               "; EXMERGE.INI\n"
	               "[EXMERGE]\n"
	               "MergeAction = 0\n"
	               "SourceServerName = EXCH1\n"
	               "DataDirectoryName = out\n"
	               "LogFileName = /tmp/exmerge.log\n"
	               "LoggingLevel = 2\n"
	               "SelectMessageStartDate = 01/01/2001 00:00:00\n"
	               "SelectMessageEndDate = 12/31/2001 23:59:59\n"
	               "FileContainingListOfMailboxes = mailboxes.txt\n"
	               "FoldersProcessed = 2\n"
	               "FileContainingListOfFolders = folders.txt\n"
	               "ApplyFolderFilterToSubFolders = 0\n"
	               "MessageSubject = invoice\n"
	               "AttachmentName = *.exe\n"
	               "CopyAssociatedFolderData = 0\n"
	               "CopyFolderPermissions = 1\n"
	               "DataImportMethod = 1\n"
	               "[Folders]\n"
	               "Folder = Calendar\n"
	               "[International]\n"
	               "LocalisedExchangeServerFolderNames = 1\n");
	rc = mbx_exmerge_ini_read(p, &ini);
	ok(rc == 0, "valid ExMerge.ini reads (%s)", rc ? mbx_error_last() : "ok");
	if (ini) {
		char *want_dir = mbx_asprintf("%s/out", tmpdir);

		is_int(ini->merge_action, MBX_MERGE_EXPORT, "MergeAction");
		is_str(ini->data_dir, want_dir, "DataDirectoryName relative to the ini");
		is_str(ini->log_file, "/tmp/exmerge.log", "LogFileName");
		is_int(ini->log_level, 2, "LoggingLevel");
		is_int(ini->start_date, 978307200, "SelectMessageStartDate");
		is_int(ini->end_date, 1009843199, "SelectMessageEndDate");
		is_int(ini->n_mailboxes, 2, "two mailboxes in the list");
		if (ini->n_mailboxes == 2) {
			is_str(ini->mailboxes[0], "JSmith", "legacy DN gives the alias");
			is_str(ini->mailboxes[1], "MJones", "plain alias");
		}
		is_int(ini->n_exclude, 3, "folders from the section and the list file, excluded");
		is_int(ini->n_include, 0, "nothing included");
		if (ini->n_exclude == 3)
			ok(strcmp(ini->exclude[0].path, "Calendar") == 0 && ini->exclude[0].subtree == 0,
			   "ApplyFolderFilterToSubFolders=0 applied");
		is_str(ini->subject, "invoice", "MessageSubject");
		is_str(ini->attachment_glob, "*.exe", "AttachmentName");
		is_int(ini->no_associated, 1, "CopyAssociatedFolderData=0");
		is_int(ini->data_import_method, 1, "DataImportMethod");
		is_int(ini->n_ignored, 3, "three keys ignored");
		if (ini->n_ignored == 3) {
			is_str(ini->ignored[0], "SourceServerName (line 4)", "ignored key named with its line");
			is_str(ini->ignored[1], "CopyFolderPermissions (line 17)", "second ignored key");
			is_str(ini->ignored[2], "[International] LocalisedExchangeServerFolderNames (line 22)",
			       "key of another section");
		}
		mbx_free(want_dir);
	}
	mbx_exmerge_ini_free(ini);
	free(p);

#define BAD(name, text, expect) do { \
	char *bp = write_file(name, text); \
	mbx_exmerge_ini *bi = NULL; \
	int brc = mbx_exmerge_ini_read(bp, &bi); \
	ok(brc == MBX_EINVAL && strstr(mbx_error_last(), expect) != NULL, \
	   "%s: %s", name, mbx_error_last()); \
	mbx_exmerge_ini_free(bi); \
	free(bp); \
} while (0)
	BAD("bad1.ini", "[EXMERGE]\nDataDirectoryName=out\nthis is not an ini line\n", "line 3");
	BAD("bad2.ini", "[EXMERGE\nDataDirectoryName=out\n", "line 1");
	BAD("bad3.ini", "[EXMERGE]\nDataDirectoryName=out\n\nLoggingLevel=9\n", "line 4: LoggingLevel");
	BAD("bad4.ini", "[EXMERGE]\nDataDirectoryName=C:\\EXMERGEDATA\n", "Windows path");
	BAD("bad5.ini", "[EXMERGE]\nDataDirectoryName=out\nSelectMessageStartDate=31/12/2001\n", "line 3");
	BAD("bad6.ini", "[EXMERGE]\nLoggingLevel=1\n", "DataDirectoryName is missing");
	BAD("bad7.ini", "DataDirectoryName=out\n", "line 1");
	BAD("bad8.ini", "[EXMERGE]\nDataDirectoryName=out\nFileContainingListOfMailboxes=nope.txt\n",
	    "nope.txt");
	BAD("bad9.ini", "[EXMERGE]\nDataDirectoryName=out\nMergeAction=7\n", "line 3: MergeAction");
	BAD("bad10.ini", "[EXMERGE]\nDataDirectoryName=out\n[Folders]\nFolder=Inbox\n", "FoldersProcessed");
	BAD("bad11.ini", "[EXMERGE]\nDataDirectoryName=out\nDataImportMethod=3\n", "archive");
	{
		mbx_exmerge_ini *bi = NULL;
		char *missing = mbx_asprintf("%s/none.ini", tmpdir);

		ok(mbx_exmerge_ini_read(missing, &bi) == MBX_ENOTFOUND && strstr(mbx_error_last(), "none.ini"),
		   "missing ini named");
		mbx_free(missing);
	}
}

typedef struct cbrec {
	int n;
	char last[512];
	int last_level;
} cbrec;

static void cb(void *ud, int level, const char *line)
{
	cbrec *r = ud;

	r->n++;
	r->last_level = level;
	snprintf(r->last, sizeof(r->last), "%s", line);
}

static void test_log(void)
{
	char *path = mbx_asprintf("%s/test.log", tmpdir);
	mbx_log *log = NULL;
	cbrec r;
	struct stat sb;
	char *text;

	memset(&r, 0, sizeof(r));
	ok(mbx_log_open(&log, path, MBX_LOG_MIN, cb, &r) == 0, "log opens");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "log file is 0600");
	mbx_log_write(log, MBX_LOG_MIN, "Copying data from mailbox '%s'", "Smith, John");
	ok(r.n == 1 && strlen(r.last) > 11 && r.last[0] == '[' && r.last[3] == ':' && r.last[6] == ':' &&
	   r.last[9] == ']' && strcmp(r.last + 11, "Copying data from mailbox 'Smith, John'") == 0,
	   "callback gets [HH:MM:SS] line: %s", r.last);
	mbx_log_write(log, MBX_LOG_MED, "medium detail");
	is_int(r.n, 1, "medium line not shown at level 1");
	mbx_log_write(log, MBX_LOG_MIN, "evil\x1b[2J\nname");
	ok(!strchr(r.last, '\x1b') && !strchr(r.last, '\n'), "control characters cleaned: %s", r.last);
	is_int(mbx_log_level(log), MBX_LOG_MIN, "level");
	mbx_log_free(log);
	text = slurp(path);
	ok(strstr(text, "] Copying data from mailbox 'Smith, John'\n") && !strstr(text, "medium detail"),
	   "file holds the lines of its level");
	ok(strchr(text, '\x1b') == NULL, "file has no escape characters");
	mbx_free(text);

	unlink(path);
	memset(&r, 0, sizeof(r));
	ok(mbx_log_open(&log, path, MBX_LOG_NONE, cb, &r) == 0, "log at level none");
	mbx_log_write(log, MBX_LOG_MIN, "result line");
	is_int(r.n, 1, "level none: minimum lines still reach the callback");
	mbx_log_free(log);
	text = slurp(path);
	is_str(text, "", "level none: file stays empty");
	mbx_free(text);
	ok(mbx_log_open(&log, "/nonexistent-dir/x.log", 1, NULL, NULL) < 0 &&
	   strstr(mbx_error_last(), "/nonexistent-dir/x.log"), "unwritable log path named");
	ok(mbx_log_open(&log, NULL, 7, NULL, NULL) == MBX_EINVAL, "bad level rejected");
	mbx_free(path);
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(tmpdir))
		tap_skip_all("no temporary directory");
	test_naming();
	test_dates_sizes();
	test_folder_filter();
	test_message_filter();
	test_ini();
	test_log();
	cmd = mbx_asprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	mbx_free(cmd);
	return tap_done();
}
