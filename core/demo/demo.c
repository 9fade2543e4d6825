/*
 * core/demo/demo.c - the bundled demo recovery server (see mbx/demo.h).
 *
 * The scenario of KB Q265438 on server EXCH1 of Contoso/HQ: the
 * information store was restored without its directory, so several
 * mailboxes (Smith, John among them) have no directory entry; a few
 * directory mailboxes homed on EXCH1 have no store mailbox; some public
 * folders are homed on a server of a site the directory does not know
 * (one of them with 'limit administrative access'); some permission
 * entries name accounts that do not exist.
 *
 * Everything comes from the tables below and a fixed-seed generator, with
 * times counted back from a fixed base, so every build gives the same data.
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mbx/demo.h"
#include "store/store_meta.h"

/* 2026-10-01 00:00:00 UTC: "now" in the demo's world. */
#define DEMO_BASE 1790812800LL
#define DAY 86400LL

#define ORG "Contoso"
#define SITE "HQ"
#define SERVER "EXCH1"
#define MAILDOMAIN "contoso.com"

int64_t mbx_demo_base_time(void)
{
	return DEMO_BASE;
}

/* ---- Fixed-seed generator (xorshift64*) --------------------------------- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static unsigned rng_below(rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/* ---- The people --------------------------------------------------------- */

enum { P_LINKED, P_ORPHAN, P_MISSING, P_OTHER_SERVER };

typedef struct person {
	const char *display;
	const char *alias;
	int kind;
	int link;              /* linked mailboxes: 0 GUID, 1 legacy DN, 2 DN only */
	int days_old;          /* mailbox created this many days before the base */
	const char *account;   /* CONTOSO\user of linked entries */
} person;

static const person people[] = {
	{ "Smith, John", "JSmith", P_ORPHAN, 0, 400, NULL },
	{ "Müller, Jürgen", "JMueller", P_ORPHAN, 0, 200, NULL },
	{ "Tanaka, Yuki (田中 由紀)", "YTanaka", P_ORPHAN, 0, 90, NULL },
	{ "García, Rosa", "RGarcia", P_ORPHAN, 0, 20, NULL },
	{ "Nasser, Layla (ليلى ناصر)", "LNasser", P_ORPHAN, 0, 3, NULL },
	{ "Adams, Mary", "MAdams", P_LINKED, 0, 900, "CONTOSO\\madams" },
	{ "Brown, David", "DBrown", P_LINKED, 1, 850, "CONTOSO\\dbrown" },
	{ "Dubois, Amélie", "ADubois", P_LINKED, 0, 700, "CONTOSO\\adubois" },
	{ "Chen, Wei (陈伟)", "WChen", P_LINKED, 2, 650, "CONTOSO\\wchen" },
	{ "Haddad, Omar (عمر حداد)", "OHaddad", P_LINKED, 1, 600, "CONTOSO\\ohaddad" },
	{ "Kowalski, Piotr", "PKowalski", P_LINKED, 0, 500, "CONTOSO\\pkowalski" },
	{ "Schmidt, Anna", "ASchmidt", P_LINKED, 0, 450, "CONTOSO\\aschmidt" },
	{ "Wilson, Peter", "PWilson", P_MISSING, 0, 0, "CONTOSO\\pwilson" },
	{ "O'Brien, Siobhán", "SOBrien", P_MISSING, 0, 0, "CONTOSO\\sobrien" },
	{ "Fischer, Lena", "LFischer", P_MISSING, 0, 0, "CONTOSO\\lfischer" },
	{ "Jones, Karen", "KJones", P_OTHER_SERVER, 0, 0, "CONTOSO\\kjones" },
};
#define N_PEOPLE (sizeof(people) / sizeof(people[0]))

/* Correspondents outside the organization. */
static const struct {
	const char *name, *address;
} outsiders[] = {
	{ "Ana Souza", "ana.souza@fornecedor.example" },
	{ "Björn Lindqvist", "bjorn@nordic-parts.example" },
	{ "佐藤 健", "k.sato@tokyo-trading.example" },
	{ "فاطمة الزهراء", "fatima@gulf-logistics.example" },
	{ "Travel Desk", "bookings@travel.example" },
};
#define N_OUTSIDERS (sizeof(outsiders) / sizeof(outsiders[0]))

/* ---- The words ---------------------------------------------------------- */

static const char *const subjects[] = {
	"Quarterly report Q3",
	"Budget review – next steps",
	"Réunion budgétaire : ordre du jour",
	"Übergabe der Projektunterlagen",
	"会議の議事録（10月）",
	"项目进度更新",
	"تقرير المبيعات الشهري",
	"Lunch on Friday?",
	"Server maintenance window Saturday 22:00",
	"Re: Contract renewal",
	"Invoice 2026-0413 from Nordic Parts",
	"Açaí, café & crème brûlée for the offsite",
	"Travel itinerary: Zürich – São Paulo",
	"Holiday rota",
	"Customer escalation: order #88412",
	"New starter: welcome pack",
	"Résumé of the interview candidates",
	"Backup failed on EXCH1 (error 0x8004010F)",
	"Draft: press release",
	"Training: Exchange Server 5.5 administration",
};
#define N_SUBJECTS (sizeof(subjects) / sizeof(subjects[0]))

static const char *const paragraphs[] = {
	"Please find the figures for the quarter below; the totals match the ledger "
	"after the corrections we discussed on Monday.",
	"Could you review the attached document before Thursday? I have marked the "
	"sections that still need a decision.",
	"Merci pour votre retour rapide. Nous validerons le budget définitif lors de la "
	"réunion de vendredi à 14 h.",
	"Die Unterlagen liegen jetzt im Ordner „Projekte“. Bitte prüfen Sie die "
	"Änderungen bis Ende der Woche.",
	"本日の会議の議事録を送ります。次回は来週の水曜日です。",
	"项目第一阶段已经完成，请查看附件中的进度报告。",
	"يرجى مراجعة التقرير المرفق وإرسال ملاحظاتكم قبل نهاية الأسبوع.",
	"The maintenance window starts at 22:00 on Saturday; mail will queue on the "
	"bridgehead and be delivered when EXCH1 is back.",
	"Thanks – that works for me. Let's meet in the lobby at 12:30.",
	"The customer is waiting for an answer on the delivery date; can you confirm "
	"with the warehouse today?",
	"Señora García confirmó la reunión del martes; el informe está en la carpeta común.",
	"I have moved the old threads to the archive folder to keep the mailbox under quota.",
};
#define N_PARAGRAPHS (sizeof(paragraphs) / sizeof(paragraphs[0]))

/* ---- Folders ------------------------------------------------------------ */

typedef struct folder_def {
	const char *name;
	const char *container_class;
	mbx_folder_role role;
	const char *parent;     /* NULL: top of the mailbox */
	int messages;           /* how many normal items */
	int fai;                /* how many folder-associated items */
	const char *message_class;
} folder_def;

static const folder_def folder_defs[] = {
	{ "Inbox", "IPF.Note", MBX_ROLE_INBOX, NULL, 14, 1, "IPM.Note" },
	{ "Outbox", "IPF.Note", MBX_ROLE_OUTBOX, NULL, 0, 0, "IPM.Note" },
	{ "Sent Items", "IPF.Note", MBX_ROLE_SENT, NULL, 6, 0, "IPM.Note" },
	{ "Deleted Items", "IPF.Note", MBX_ROLE_DELETED, NULL, 3, 0, "IPM.Note" },
	{ "Drafts", "IPF.Note", MBX_ROLE_DRAFTS, NULL, 1, 0, "IPM.Note" },
	{ "Calendar", "IPF.Appointment", MBX_ROLE_CALENDAR, NULL, 3, 1, "IPM.Appointment" },
	{ "Contacts", "IPF.Contact", MBX_ROLE_CONTACTS, NULL, 3, 0, "IPM.Contact" },
	{ "Tasks", "IPF.Task", MBX_ROLE_TASKS, NULL, 2, 0, "IPM.Task" },
	{ "Notes", "IPF.StickyNote", MBX_ROLE_NOTES, NULL, 2, 0, "IPM.StickyNote" },
	{ "Journal", "IPF.Journal", MBX_ROLE_JOURNAL, NULL, 1, 0, "IPM.Activity" },
	{ "Projects", "IPF.Note", MBX_ROLE_NONE, "Inbox", 3, 0, "IPM.Note" },
	{ "Archive 2025", "IPF.Note", MBX_ROLE_NONE, "Inbox/Projects", 2, 0, "IPM.Note" },
	{ "Rechnungen", "IPF.Note", MBX_ROLE_NONE, "Inbox", 1, 0, "IPM.Note" },
};
#define N_FOLDERS (sizeof(folder_defs) / sizeof(folder_defs[0]))

/* ---- Public folders and permissions ------------------------------------- */

typedef struct pf_def {
	const char *name;
	const char *parent;
	const char *server;
	const char *site;
	int limit_admin;
	int days_old;
} pf_def;

static const pf_def pf_defs[] = {
	{ "Company", NULL, "EXCH1", "HQ", 0, 1000 },
	{ "Announcements", "Company", "EXCH1", "HQ", 0, 30 },
	{ "HR Policies", "Company", "EXCH2", "HQ", 0, 300 },
	{ "Sales", NULL, "NYC-EX01", "NEWYORK", 0, 300 },
	{ "Leads", "Sales", "NYC-EX01", "NEWYORK", 0, 5 },
	{ "Legal", NULL, "NYC-EX01", "NEWYORK", 1, 200 },
	{ "Projects", NULL, "EXCH9", "HQ", 0, 60 },
	{ "Europe", NULL, "LONDON1", "EUROPE", 0, 800 },
	{ "Événements", "Europe", "LONDON1", "EUROPE", 0, 100 },
};
#define N_PFS (sizeof(pf_defs) / sizeof(pf_defs[0]))

typedef struct perm_def {
	const char *folder;
	const char *account;
	const char *rights;
	int days_old;
} perm_def;

static const perm_def perm_defs[] = {
	{ "Company", "Default", "Reviewer", 1000 },
	{ "Company", "Anonymous", "None", 1000 },
	{ "Company", "MAdams", "Owner", 1000 },
	{ "Company", "OldTemp", "Author", 400 },
	{ "Announcements", "DBrown", "Editor", 30 },
	{ "Announcements", "YTanaka", "Author", 25 },
	{ "HR Policies", "ASchmidt", "Owner", 300 },
	{ "Sales", "Default", "Reviewer", 300 },
	{ "Sales", "JSmith", "Editor", 250 },
	{ "Sales", "KJones", "Owner", 300 },
	{ "Leads", "Default", "Contributor", 5 },
	{ "Legal", "ADubois", "Owner", 200 },
	{ "Legal", "BPatel", "Reviewer", 150 },
	{ "Projects", "PKowalski", "Owner", 60 },
	{ "Projects", "FormerEmployee", "Editor", 10 },
	{ "Europe", "Default", "Reviewer", 800 },
	{ "Événements", "ADubois", "Publishing Editor", 100 },
};
#define N_PERMS (sizeof(perm_defs) / sizeof(perm_defs[0]))

/* ---- Building ----------------------------------------------------------- */

typedef struct demo {
	mbx_store *st;
	rng r;
	int seq;               /* message counter, for ids and variety */
} demo;

static char *legacy_dn(const char *alias)
{
	return mbx_asprintf("/o=%s/ou=%s/cn=Recipients/cn=%s", ORG, SITE, alias);
}

static char *smtp_of(const char *alias)
{
	char *s = mbx_asprintf("%s@%s", alias, MAILDOMAIN);
	char *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static char *guid_of(size_t i)
{
	return mbx_asprintf("6f1c%04zx-2b7d-4c1e-9a55-%012" PRIx64, i,
	                    (uint64_t)0x5e1f00000000ULL + (uint64_t)i * 7919);
}

static int add_server(demo *d)
{
	mbx_server_info si = { ORG, SITE, SERVER, "%a@" MAILDOMAIN };
	int rc = mbx_store_server_set(d->st, &si);

	if (rc == 0)
		rc = mbx_store_known_server_add(d->st, "EXCH1", "HQ");
	if (rc == 0)
		rc = mbx_store_known_server_add(d->st, "EXCH2", "HQ");
	if (rc == 0)
		rc = mbx_store_known_server_add(d->st, "LONDON1", "EUROPE");
	return rc;
}

static int add_directory(demo *d)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < N_PEOPLE; i++) {
		const person *p = &people[i];
		mbx_recipient r;

		if (p->kind == P_ORPHAN)
			continue;
		memset(&r, 0, sizeof(r));
		r.display_name = (char *)p->display;
		r.alias = (char *)p->alias;
		r.dn = legacy_dn(p->alias);
		r.smtp = smtp_of(p->alias);
		r.home_server = (char *)(p->kind == P_OTHER_SERVER ? "EXCH2" : SERVER);
		r.primary_account = (char *)p->account;
		r.object_class = MBX_OBJ_MAILBOX;
		if (p->kind == P_LINKED && p->link == 0)
			r.mailbox_guid = guid_of(i);
		if (p->kind == P_LINKED && p->link == 1)
			r.legacy_dn = legacy_dn(p->alias);
		rc = mbx_store_recipient_add(d->st, &r, NULL);
		mbx_free(r.dn);
		mbx_free(r.smtp);
		mbx_free(r.mailbox_guid);
		mbx_free(r.legacy_dn);
	}
	if (rc == 0) {
		mbx_recipient r;

		memset(&r, 0, sizeof(r));
		r.display_name = "Contoso Legal (external counsel)";
		r.alias = "LegalExt";
		r.dn = "/o=" ORG "/ou=" SITE "/cn=Recipients/cn=LegalExt";
		r.smtp = "counsel@lawfirm.example";
		r.object_class = MBX_OBJ_CUSTOM;
		rc = mbx_store_recipient_add(d->st, &r, NULL);
		if (rc == 0) {
			r.display_name = "All Staff";
			r.alias = "AllStaff";
			r.dn = "/o=" ORG "/ou=" SITE "/cn=Recipients/cn=AllStaff";
			r.smtp = "allstaff@" MAILDOMAIN;
			r.object_class = MBX_OBJ_DISTLIST;
			rc = mbx_store_recipient_add(d->st, &r, NULL);
		}
	}
	return rc;
}

/* Someone to write to or hear from: a store mailbox owner (the first 12
 * people) or an outsider. */
static void pick_party(demo *d, const char **name, char **addr)
{
	unsigned k = rng_below(&d->r, 12 + N_OUTSIDERS);

	if (k < 12) {
		*name = people[k].display;
		*addr = smtp_of(people[k].alias);
	} else {
		*name = outsiders[k - 12].name;
		*addr = mbx_strdup(outsiders[k - 12].address);
	}
}

static char *html_of(const char *text)
{
	size_t n = strlen(text), i, k = 0;
	char *out = mbx_malloc(n * 6 + 128);

	k += (size_t)sprintf(out, "<html><head><meta charset=\"utf-8\"></head><body><p>");
	for (i = 0; i < n; i++) {
		switch (text[i]) {
		case '<': memcpy(out + k, "&lt;", 4); k += 4; break;
		case '>': memcpy(out + k, "&gt;", 4); k += 4; break;
		case '&': memcpy(out + k, "&amp;", 5); k += 5; break;
		case '\n': memcpy(out + k, "</p><p>", 7); k += 7; break;
		default: out[k++] = text[i];
		}
	}
	strcpy(out + k, "</p></body></html>");
	return out;
}

/* Deterministic attachment bytes: a PDF-looking header and noise. */
static unsigned char *blob_of(demo *d, size_t n, const char *magic)
{
	unsigned char *b = mbx_malloc(n);
	size_t i, m = strlen(magic);

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)rng_next(&d->r);
	memcpy(b, magic, m < n ? m : n);
	return b;
}

typedef struct msg_ctx {
	const person *owner;
	const folder_def *fd;
	int64_t folder_id;
	int64_t created;       /* the mailbox's creation time */
} msg_ctx;

static void free_msg_parts(mbx_message *m)
{
	size_t i;

	mbx_free(m->subject);
	mbx_free(m->sender_address);
	mbx_free(m->body);
	mbx_free(m->html_body);
	mbx_free(m->transport_headers);
	mbx_free(m->internet_message_id);
	for (i = 0; i < m->n_recipients; i++)
		mbx_free(m->recipients[i].address);
	mbx_free(m->recipients);
	for (i = 0; i < m->n_attachments; i++)
		mbx_free((void *)m->attachments[i].data);
	mbx_free(m->attachments);
	mbx_props_clear(&m->bag);
}

static void fill_message(demo *d, const msg_ctx *c, mbx_message *m, int fai)
{
	const char *sender_name, *rname;
	char *sender_addr, *raddr, *body;
	unsigned p1, p2, nrec, i;
	int outgoing = c->fd->role == MBX_ROLE_SENT || c->fd->role == MBX_ROLE_DRAFTS ||
	               c->fd->role == MBX_ROLE_OUTBOX;
	int64_t when;

	memset(m, 0, sizeof(*m));
	d->seq++;
	m->folder_id = c->folder_id;
	m->message_class = (char *)(fai ? "IPM.Configuration.View" : c->fd->message_class);
	m->associated = fai;
	when = DEMO_BASE - (int64_t)rng_below(&d->r, 360) * DAY - rng_below(&d->r, 86400);
	if (when < c->created)
		when = c->created + (int64_t)rng_below(&d->r, 86400);
	m->sent_time = when;
	m->received_time = when + 5 + rng_below(&d->r, 300);
	if (fai) {
		m->subject = mbx_strdup("");
		m->body = mbx_asprintf("view settings of %s", c->fd->name);
		m->size = 0;
		m->sender_name = (char *)c->owner->display;
		m->sender_address = smtp_of(c->owner->alias);
		m->sender_addrtype = "SMTP";
		return;
	}
	m->subject = mbx_strdup(subjects[rng_below(&d->r, N_SUBJECTS)]);
	p1 = rng_below(&d->r, N_PARAGRAPHS);
	p2 = rng_below(&d->r, N_PARAGRAPHS);
	if (outgoing) {
		sender_name = c->owner->display;
		sender_addr = smtp_of(c->owner->alias);
	} else {
		pick_party(d, &sender_name, &sender_addr);
	}
	m->sender_name = (char *)sender_name;
	m->sender_address = sender_addr;
	m->sender_addrtype = "SMTP";
	body = mbx_asprintf("Hello,\n%s\n%s\n-- \n%s", paragraphs[p1], paragraphs[p2], sender_name);
	m->body = body;
	/* Two messages in three carry HTML as well. */
	if (d->seq % 3 != 0)
		m->html_body = html_of(body);
	m->internet_message_id = mbx_asprintf("<demo.%05d.%s@%s>", d->seq, c->owner->alias,
	                                      MAILDOMAIN);
	if (!outgoing)
		m->transport_headers = mbx_asprintf(
			"Received: from mail.%s by EXCH1.%s with SMTP; id %05d\r\n"
			"Message-ID: %s\r\nMIME-Version: 1.0\r\n"
			"Content-Type: text/plain; charset=utf-8\r\n",
			MAILDOMAIN, MAILDOMAIN, d->seq, m->internet_message_id);
	m->flags = outgoing ? MBX_MSG_READ | MBX_MSG_FROMME : (rng_below(&d->r, 10) < 7 ? MBX_MSG_READ : 0);
	if (c->fd->role == MBX_ROLE_DRAFTS)
		m->flags = MBX_MSG_READ | MBX_MSG_UNSENT;
	m->flag_status = rng_below(&d->r, 10) == 0 ? 2 : 0;
	m->importance = rng_below(&d->r, 8) == 0 ? 2 : (rng_below(&d->r, 12) == 0 ? 0 : 1);
	nrec = 1 + rng_below(&d->r, 3);
	m->recipients = mbx_calloc(nrec + 1, sizeof(*m->recipients));
	if (!outgoing) {
		m->recipients[0].type = MBX_RECIP_TO;
		m->recipients[0].name = (char *)c->owner->display;
		m->recipients[0].address = smtp_of(c->owner->alias);
		m->recipients[0].addrtype = "SMTP";
		m->n_recipients = 1;
	}
	for (i = 0; i < nrec; i++) {
		mbx_msg_recipient *r = &m->recipients[m->n_recipients++];

		pick_party(d, &rname, &raddr);
		r->type = i == 0 && outgoing ? MBX_RECIP_TO :
		          (mbx_recip_type)(MBX_RECIP_TO + rng_below(&d->r, 3));
		r->name = (char *)rname;
		r->address = raddr;
		r->addrtype = "SMTP";
	}
}

/* Attachments: every seventh message a small text file, every 23rd a
 * scanned document over 100 KB. */
static void add_attachments(demo *d, mbx_message *m)
{
	static const char *const small_names[] = {
		"notes.txt", "Übersicht.txt", "議事録.txt", "ملاحظات.txt"
	};

	if (d->seq % 7 == 0) {
		const char *name = small_names[(d->seq / 7) % 4];
		char *text = mbx_asprintf("%s\n%s\n", m->subject, paragraphs[d->seq % N_PARAGRAPHS]);

		m->attachments = mbx_reallocarray(m->attachments, m->n_attachments + 1,
		                                  sizeof(*m->attachments));
		memset(&m->attachments[m->n_attachments], 0, sizeof(m->attachments[0]));
		m->attachments[m->n_attachments].filename = (char *)name;
		m->attachments[m->n_attachments].mime_type = "text/plain";
		m->attachments[m->n_attachments].size = (int64_t)strlen(text);
		m->attachments[m->n_attachments].data = text;
		m->n_attachments++;
	}
	if (d->seq % 23 == 0) {
		size_t n = 100 * 1024 + 1024 * rng_below(&d->r, 120);

		m->attachments = mbx_reallocarray(m->attachments, m->n_attachments + 1,
		                                  sizeof(*m->attachments));
		memset(&m->attachments[m->n_attachments], 0, sizeof(m->attachments[0]));
		m->attachments[m->n_attachments].filename =
			(char *)((d->seq / 23) % 2 ? "scan-contract.pdf" : "報告書.pdf");
		m->attachments[m->n_attachments].mime_type = "application/pdf";
		m->attachments[m->n_attachments].size = (int64_t)n;
		m->attachments[m->n_attachments].data = blob_of(d, n, "%PDF-1.4\n");
		m->n_attachments++;
	}
}

/* ---- Appointment, contact and task details ------------------------------ */

static const char *const locations[] = {
	"Room 4.12 (HQ)", "Salle Lumière, Paris", "Besprechungsraum Zürich", "会議室 B",
	"Conference bridge +1 555 0100",
};
#define N_LOCATIONS (sizeof(locations) / sizeof(locations[0]))

typedef struct contact_def {
	const char *given, *surname, *company, *title, *department;
	const char *email1, *email2;
	const char *business_phone, *home_phone, *mobile_phone;
	const char *street, *city, *postal_code, *country;
} contact_def;

static const contact_def contacts[] = {
	{ "Ana", "Souza", "Fornecedor Ltda.", "Purchasing manager", "Compras",
	  "ana.souza@fornecedor.example", NULL, "+55 11 3456 7890", NULL, "+55 11 98765 4321",
	  "Av. Paulista 1000", "São Paulo", "01310-100", "Brazil" },
	{ "Björn", "Lindqvist", "Nordic Parts AB", "Sales director", "Sales",
	  "bjorn@nordic-parts.example", "bjorn.lindqvist@mail.example", "+46 8 123 456 78",
	  "+46 8 765 432 10", "+46 70 123 45 67", "Drottninggatan 12", "Stockholm", "111 51", "Sweden" },
	{ "健", "佐藤", "Tokyo Trading K.K.", "営業部長", "営業部",
	  "k.sato@tokyo-trading.example", NULL, "+81 3 1234 5678", NULL, "+81 90 1234 5678",
	  "丸の内 1-1-1", "東京", "100-0005", "Japan" },
	{ "Fatima", "Al-Zahra", "Gulf Logistics", "Operations lead", "Operations",
	  "fatima@gulf-logistics.example", NULL, "+971 4 123 4567", NULL, NULL,
	  "Sheikh Zayed Road 7", "Dubai", NULL, "United Arab Emirates" },
	{ "Claire", "Martin", "Travel Example Ltd.", "Account manager", NULL,
	  "bookings@travel.example", "claire.martin@travel.example", "+44 20 7946 0000", NULL,
	  "+44 7700 900123", "1 Travel Street", "London", "EC1A 1AA", "United Kingdom" },
};
#define N_CONTACTS (sizeof(contacts) / sizeof(contacts[0]))

/* An item detail into the message's bag, beside its fields. */
static void prop_set(mbx_message *m, const char *guid, uint32_t id, mbx_prop_type type,
                     int64_t i, double d, const char *s)
{
	mbx_msg_prop p;

	memset(&p, 0, sizeof(p));
	if (guid)
		memcpy(p.guid, guid, 16);
	p.id = id;
	p.type = (uint16_t)type;
	p.i = i;
	p.d = d;
	p.s = (char *)s;
	mbx_message_prop_set(m, &p);
}

static void prop_str(mbx_message *m, const char *guid, uint32_t id, const char *v)
{
	if (v)
		prop_set(m, guid, id, MBX_PT_UNICODE, 0, 0.0, v);
}

static void prop_int(mbx_message *m, const char *guid, uint32_t id, mbx_prop_type type, int64_t v)
{
	prop_set(m, guid, id, type, v, 0.0, NULL);
}

/* Start and end, location, busy status, a reminder 15 minutes before. */
static void appointment_props(const demo *d, mbx_message *m)
{
	const char *appt = MBX_PSETID_APPOINTMENT, *common = MBX_PSETID_COMMON;
	int64_t start = DEMO_BASE + (int64_t)(d->seq % 30 - 10) * DAY + (int64_t)(8 + d->seq % 9) * 3600;
	int64_t minutes = 30 * (1 + d->seq % 4);

	prop_int(m, appt, MBX_LID_APPOINTMENT_START_WHOLE, MBX_PT_SYSTIME, start);
	prop_int(m, appt, MBX_LID_APPOINTMENT_END_WHOLE, MBX_PT_SYSTIME, start + minutes * 60);
	prop_int(m, appt, MBX_LID_APPOINTMENT_DURATION, MBX_PT_LONG, minutes);
	prop_str(m, appt, MBX_LID_LOCATION, locations[d->seq % N_LOCATIONS]);
	prop_int(m, appt, MBX_LID_BUSY_STATUS, MBX_PT_LONG, d->seq % 4 == 0 ? 1 : 2);   /* tentative, busy */
	prop_int(m, appt, MBX_LID_APPOINTMENT_SUB_TYPE, MBX_PT_BOOLEAN, 0);   /* not all day */
	prop_int(m, common, MBX_LID_REMINDER_SET, MBX_PT_BOOLEAN, 1);
	prop_int(m, common, MBX_LID_REMINDER_DELTA, MBX_PT_LONG, 15);
	prop_int(m, common, MBX_LID_REMINDER_SIGNAL_TIME, MBX_PT_SYSTIME, start - 15 * 60);
}

static void contact_props(const demo *d, mbx_message *m)
{
	const contact_def *c = &contacts[d->seq % N_CONTACTS];
	const char *addr = MBX_PSETID_ADDRESS;
	char *file_as = mbx_asprintf("%s, %s", c->surname, c->given);
	char *shown = mbx_asprintf("%s %s (%s)", c->given, c->surname, c->email1);

	prop_str(m, NULL, MBX_PID_TAG_GIVEN_NAME, c->given);
	prop_str(m, NULL, MBX_PID_TAG_SURNAME, c->surname);
	prop_str(m, NULL, MBX_PID_TAG_COMPANY_NAME, c->company);
	prop_str(m, NULL, MBX_PID_TAG_TITLE, c->title);
	prop_str(m, NULL, MBX_PID_TAG_DEPARTMENT_NAME, c->department);
	prop_str(m, NULL, MBX_PID_TAG_BUSINESS_TELEPHONE_NUMBER, c->business_phone);
	prop_str(m, NULL, MBX_PID_TAG_HOME_TELEPHONE_NUMBER, c->home_phone);
	prop_str(m, NULL, MBX_PID_TAG_MOBILE_TELEPHONE_NUMBER, c->mobile_phone);
	prop_str(m, NULL, MBX_PID_TAG_STREET_ADDRESS, c->street);
	prop_str(m, NULL, MBX_PID_TAG_LOCALITY, c->city);
	prop_str(m, NULL, MBX_PID_TAG_POSTAL_CODE, c->postal_code);
	prop_str(m, NULL, MBX_PID_TAG_COUNTRY, c->country);
	prop_str(m, addr, MBX_LID_FILE_UNDER, file_as);
	prop_str(m, addr, MBX_LID_EMAIL1_DISPLAY_NAME, shown);
	prop_str(m, addr, MBX_LID_EMAIL1_ADDRESS_TYPE, "SMTP");
	prop_str(m, addr, MBX_LID_EMAIL1_EMAIL_ADDRESS, c->email1);
	prop_str(m, addr, MBX_LID_EMAIL1_ORIGINAL_DISPLAY_NAME, shown);
	if (c->email2) {
		char *shown2 = mbx_asprintf("%s %s (%s)", c->given, c->surname, c->email2);

		prop_str(m, addr, MBX_LID_EMAIL2_DISPLAY_NAME, shown2);
		prop_str(m, addr, MBX_LID_EMAIL2_ADDRESS_TYPE, "SMTP");
		prop_str(m, addr, MBX_LID_EMAIL2_EMAIL_ADDRESS, c->email2);
		prop_str(m, addr, MBX_LID_EMAIL2_ORIGINAL_DISPLAY_NAME, shown2);
		mbx_free(shown2);
	}
	mbx_free(file_as);
	mbx_free(shown);
}

/* Start and due dates (midnight UTC), status and percent complete. */
static void task_props(const demo *d, mbx_message *m)
{
	static const double percent[] = { 0.0, 0.25, 0.5, 0.75, 1.0 };
	const char *task = MBX_PSETID_TASK;
	double done = percent[d->seq % 5];
	int64_t start = DEMO_BASE - (int64_t)(d->seq % 10) * DAY;
	int64_t due = start + (int64_t)(7 + d->seq % 14) * DAY;

	prop_int(m, task, MBX_LID_TASK_START_DATE, MBX_PT_SYSTIME, start);
	prop_int(m, task, MBX_LID_TASK_DUE_DATE, MBX_PT_SYSTIME, due);
	/* PidLidTaskStatus: 0 not started, 1 in progress, 2 complete */
	prop_int(m, task, MBX_LID_TASK_STATUS, MBX_PT_LONG, done >= 1.0 ? 2 : done > 0.0 ? 1 : 0);
	prop_set(m, task, MBX_LID_PERCENT_COMPLETE, MBX_PT_DOUBLE, 0, done, NULL);
	prop_int(m, task, MBX_LID_TASK_COMPLETE, MBX_PT_BOOLEAN, done >= 1.0);
	if (done >= 1.0)
		prop_int(m, task, MBX_LID_TASK_DATE_COMPLETED, MBX_PT_SYSTIME, due - DAY);
}

/* The details of the calendar, contacts and tasks folders' items; from the
 * message counter only, so the generator's sequence (and every other
 * message) stays as it was. */
static void add_item_props(const demo *d, const msg_ctx *c, mbx_message *m)
{
	if (m->associated)
		return;
	if (c->fd->role == MBX_ROLE_CALENDAR) {
		appointment_props(d, m);
	} else if (c->fd->role == MBX_ROLE_CONTACTS) {
		size_t i;

		/* A contact is sent to no one (and libpst would read a recipient
		 * row's address as the contact's e-mail address). */
		for (i = 0; i < m->n_recipients; i++)
			mbx_free(m->recipients[i].address);
		mbx_free(m->recipients);
		m->recipients = NULL;
		m->n_recipients = 0;
		contact_props(d, m);
	}
	else if (c->fd->role == MBX_ROLE_TASKS)
		task_props(d, m);
}

/* John Smith's forwarded contract: the one embedded message. */
static int add_embedded(demo *d, int64_t folder_id)
{
	static const char contract[] = "CONTRACT DRAFT v3\nParties: Contoso Ltd. and Nordic Parts AB\n";
	mbx_message inner, outer;
	mbx_msg_recipient rin = { MBX_RECIP_TO, "Adams, Mary", "madams@" MAILDOMAIN, "SMTP",
	                          MBX_PROPS_INIT };
	mbx_msg_recipient rout = { MBX_RECIP_TO, "Smith, John", "jsmith@" MAILDOMAIN, "SMTP",
	                           MBX_PROPS_INIT };
	mbx_attachment ain, aout;

	memset(&inner, 0, sizeof(inner));
	inner.message_class = "IPM.Note";
	inner.subject = "Contract draft v3";
	inner.sender_name = "Björn Lindqvist";
	inner.sender_address = "bjorn@nordic-parts.example";
	inner.sender_addrtype = "SMTP";
	inner.sent_time = DEMO_BASE - 40 * DAY;
	inner.received_time = inner.sent_time + 60;
	inner.flags = MBX_MSG_READ;
	inner.importance = 1;
	inner.body = "Hi Mary,\nhere is version 3 of the contract. Changes are in section 4.\nBjörn";
	inner.internet_message_id = "<contract-v3@nordic-parts.example>";
	inner.recipients = &rin;
	inner.n_recipients = 1;
	memset(&ain, 0, sizeof(ain));
	ain.filename = "contract-v3.txt";
	ain.mime_type = "text/plain";
	ain.size = (int64_t)strlen(contract);
	ain.data = contract;
	inner.attachments = &ain;
	inner.n_attachments = 1;

	memset(&outer, 0, sizeof(outer));
	outer.folder_id = folder_id;
	outer.message_class = "IPM.Note";
	outer.subject = "FW: Contract draft v3";
	outer.sender_name = "Adams, Mary";
	outer.sender_address = "madams@" MAILDOMAIN;
	outer.sender_addrtype = "SMTP";
	outer.sent_time = DEMO_BASE - 39 * DAY;
	outer.received_time = outer.sent_time + 30;
	outer.importance = 2;
	outer.body = "John,\nplease check the attached draft before we sign.\nMary";
	outer.html_body = "<html><body><p>John,</p><p>please check the attached draft before "
	                  "we sign.</p><p>Mary</p></body></html>";
	outer.internet_message_id = "<fw-contract-v3@" MAILDOMAIN ">";
	outer.recipients = &rout;
	outer.n_recipients = 1;
	memset(&aout, 0, sizeof(aout));
	aout.filename = "Contract draft v3";
	aout.mime_type = "message/rfc822";
	aout.embedded = &inner;
	outer.attachments = &aout;
	outer.n_attachments = 1;
	return mbx_store_message_add(d->st, &outer, NULL);
}

static int64_t folder_lookup(const int64_t *ids, const char *path)
{
	size_t i;

	for (i = 0; i < N_FOLDERS; i++) {
		char *p = folder_defs[i].parent ? mbx_asprintf("%s/%s", folder_defs[i].parent,
		                                               folder_defs[i].name)
		                                : mbx_strdup(folder_defs[i].name);
		int same = strcmp(p, path) == 0;

		mbx_free(p);
		if (same)
			return ids[i];
	}
	return 0;
}

static int add_mailbox(demo *d, size_t idx)
{
	const person *p = &people[idx];
	mbx_mailbox mb;
	int64_t mid, fids[N_FOLDERS];
	size_t i;
	int rc, k;

	memset(&mb, 0, sizeof(mb));
	mb.guid = guid_of(idx);
	mb.display_name = (char *)p->display;
	mb.legacy_dn = legacy_dn(p->alias);
	mb.created_time = DEMO_BASE - (int64_t)p->days_old * DAY;
	mb.last_logon = p->kind == P_ORPHAN ? DEMO_BASE - 2 * DAY - (int64_t)idx * 3600
	                                    : DEMO_BASE - (int64_t)idx * 7200;
	rc = mbx_store_mailbox_add(d->st, &mb, &mid);
	mbx_free(mb.guid);
	mbx_free(mb.legacy_dn);
	if (rc < 0)
		return rc;
	for (i = 0; i < N_FOLDERS; i++) {
		mbx_folder f;

		memset(&f, 0, sizeof(f));
		f.mailbox_id = mid;
		f.parent_id = folder_defs[i].parent ? folder_lookup(fids, folder_defs[i].parent) : 0;
		f.name = (char *)folder_defs[i].name;
		f.container_class = (char *)folder_defs[i].container_class;
		f.role = folder_defs[i].role;
		rc = mbx_store_folder_add(d->st, &f, &fids[i]);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < N_FOLDERS; i++) {
		msg_ctx c = { p, &folder_defs[i], fids[i], DEMO_BASE - (int64_t)p->days_old * DAY };

		for (k = 0; k < folder_defs[i].messages + folder_defs[i].fai; k++) {
			mbx_message m;

			fill_message(d, &c, &m, k >= folder_defs[i].messages);
			if (!m.associated)
				add_attachments(d, &m);
			add_item_props(d, &c, &m);
			rc = mbx_store_message_add(d->st, &m, NULL);
			free_msg_parts(&m);
			if (rc < 0)
				return rc;
		}
	}
	if (strcmp(p->alias, "JSmith") == 0) {
		rc = add_embedded(d, fids[0]);
		if (rc < 0)
			return rc;
	}
	return mbx_store_mailbox_refresh_counts(d->st, mid);
}

static int64_t pf_lookup(const int64_t *ids, const char *name)
{
	size_t i;

	for (i = 0; i < N_PFS; i++)
		if (strcmp(pf_defs[i].name, name) == 0)
			return ids[i];
	return 0;
}

static int add_public_folders(demo *d)
{
	int64_t ids[N_PFS];
	size_t i;
	int rc;

	for (i = 0; i < N_PFS; i++) {
		mbx_public_folder f;

		memset(&f, 0, sizeof(f));
		f.parent_id = pf_defs[i].parent ? pf_lookup(ids, pf_defs[i].parent) : 0;
		f.name = (char *)pf_defs[i].name;
		f.home_server = (char *)pf_defs[i].server;
		f.home_site = (char *)pf_defs[i].site;
		f.limit_admin_access = pf_defs[i].limit_admin;
		f.modified_time = DEMO_BASE - (int64_t)pf_defs[i].days_old * DAY;
		rc = mbx_store_public_folder_add(d->st, &f, &ids[i]);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < N_PERMS; i++) {
		mbx_permission p;

		memset(&p, 0, sizeof(p));
		p.folder_id = pf_lookup(ids, perm_defs[i].folder);
		p.account = (char *)perm_defs[i].account;
		p.rights = (char *)perm_defs[i].rights;
		p.granted_time = DEMO_BASE - (int64_t)perm_defs[i].days_old * DAY;
		rc = mbx_store_permission_add(d->st, &p, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int build(demo *d)
{
	size_t i;
	int rc = mbx_store_begin(d->st);

	if (rc < 0)
		return rc;
	rc = store_meta_set(d->st, "demo", "1");
	if (rc == 0)
		rc = add_server(d);
	if (rc == 0)
		rc = add_directory(d);
	for (i = 0; rc == 0 && i < N_PEOPLE; i++)
		if (people[i].kind == P_LINKED || people[i].kind == P_ORPHAN)
			rc = add_mailbox(d, i);
	if (rc == 0)
		rc = add_public_folders(d);
	if (rc < 0) {
		mbx_store_rollback(d->st);
		return rc;
	}
	return mbx_store_commit(d->st);
}

static void unlink_side_files(const char *path)
{
	char *p = mbx_asprintf("%s-wal", path);

	unlink(p);
	mbx_free(p);
	p = mbx_asprintf("%s-shm", path);
	unlink(p);
	mbx_free(p);
}

int mbx_demo_create(const char *path)
{
	demo d;
	char *tmp;
	int rc;

	if (!path || !*path)
		return mbx_error_set(MBX_EINVAL, "no path for the demo server");
	tmp = mbx_asprintf("%s.new-%ld", path, (long)getpid());
	unlink(tmp);
	unlink_side_files(tmp);
	memset(&d, 0, sizeof(d));
	d.r.s = 0x9E3779B97F4A7C15ULL;
	rc = mbx_store_open(&d.st, tmp, MBX_STORE_CREATE);
	if (rc < 0) {
		mbx_error_prefix(rc, "creating the demo server %s", path);
		goto out;
	}
	rc = build(&d);
	mbx_store_free(d.st);   /* checkpoints the journal into the file */
	if (rc < 0) {
		mbx_error_prefix(rc, "creating the demo server %s", path);
		goto fail;
	}
	/* A journal left by the old file would be replayed into the new one. */
	unlink_side_files(path);
	if (rename(tmp, path) != 0) {
		rc = mbx_error_set(MBX_EIO, "can not create the demo server %s: %s", path,
		                   strerror(errno));
		goto fail;
	}
	goto out;
fail:
	unlink(tmp);
	unlink_side_files(tmp);
out:
	mbx_free(tmp);
	return rc;
}

int mbx_demo_is_demo(const char *path)
{
	mbx_store *st = NULL;
	char *v = NULL;
	int rc = mbx_store_open(&st, path, MBX_STORE_READONLY);

	if (rc < 0)
		return rc;
	rc = store_meta_get(st, "demo", &v);
	if (rc == 0)
		rc = v && strcmp(v, "1") == 0;
	mbx_free(v);
	mbx_store_free(st);
	return rc;
}
