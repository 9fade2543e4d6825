/*
 * tui/ui_panels.c - Mailbox Resources and Recipients side by side (see
 * ui_panels.h).  Rows are drawn only for what is visible, each string
 * cleaned as it is drawn, so 100,000 mailboxes cost no more per frame
 * than twelve.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "ui_panels.h"
#include "ui_start.h"
#include "ui_text.h"

/* Sort orders the `s` key cycles through. */
enum { SORT_NAME = 0, SORT_ORPHANS, SORT_SIZE, SORT_ITEMS, SORT_LOGON, SORT_COUNT };
static const char *const sort_names[SORT_COUNT] = {
	"display name", "orphans first", "size", "items", "last logon"
};
enum { RSORT_NAME = 0, RSORT_ALIAS, RSORT_FLAGGED, RSORT_COUNT };
static const char *const rsort_names[RSORT_COUNT] = {
	"display name", "alias", "marked first"
};

/* ---- loading ------------------------------------------------------------ */

typedef struct id_idx {
	int64_t id;
	size_t idx;
} id_idx;

static int cmp_id_idx(const void *a, const void *b)
{
	const id_idx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_i64(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

void ui_data_free(ui *u)
{
	mbx_mailboxes_free(u->mb, u->n_mb);
	mbx_recipients_free(u->rc, u->n_rc);
	mbx_server_info_clear(&u->srv);
	mbx_free(u->rc_of_mb);
	mbx_free(u->mb_of_rc);
	mbx_free(u->mark);
	mbx_free(u->rflags);
	mbx_free(u->lm.order);
	mbx_free(u->lr.order);
	mbx_free(u->lm.pos);
	mbx_free(u->lr.pos);
	mbx_free(u->first_link);
	u->first_link = NULL;
	u->first_page = 0;
	u->total_mb = u->total_rc = 0;
	u->mb = NULL;
	u->rc = NULL;
	u->rc_of_mb = u->mb_of_rc = NULL;
	u->mark = u->rflags = NULL;
	u->lm.order = u->lr.order = NULL;
	u->lm.pos = u->lr.pos = NULL;
	u->n_mb = u->n_rc = u->n_orphans = u->n_marked = u->n_flagged = 0;
	u->lm.n = u->lr.n = 0;
}

static int is_recreated(const mbx_recipient *r)
{
	return r->created_by_adjuster;
}

static void link_data(ui *u)
{
	id_idx *byid = mbx_calloc(u->n_rc ? u->n_rc : 1, sizeof *byid);
	size_t i;

	for (i = 0; i < u->n_rc; i++) {
		byid[i].id = u->rc[i].id;
		byid[i].idx = i;
		u->mb_of_rc[i] = UI_NONE;
	}
	qsort(byid, u->n_rc, sizeof *byid, cmp_id_idx);
	u->n_orphans = 0;
	u->n_flagged = 0;
	for (i = 0; i < u->n_mb; i++) {
		id_idx key = { u->mb[i].recipient_id, 0 }, *hit = NULL;

		u->rc_of_mb[i] = UI_NONE;
		if (u->mb[i].recipient_id)
			hit = bsearch(&key, byid, u->n_rc, sizeof *byid, cmp_id_idx);
		if (hit) {
			u->rc_of_mb[i] = hit->idx;
			u->mb_of_rc[hit->idx] = i;
		} else {
			u->n_orphans++;
		}
	}
	for (i = 0; i < u->n_rc; i++) {
		const mbx_recipient *r = &u->rc[i];
		unsigned char f = 0;

		if (r->object_class == MBX_OBJ_MAILBOX && u->mb_of_rc[i] == UI_NONE &&
		    r->home_server && u->srv.server && strcasecmp(r->home_server, u->srv.server) == 0)
			f |= UI_R_NO_MAILBOX;
		if (is_recreated(r) && r->hidden)
			f |= UI_R_HIDDEN;
		if (is_recreated(r) && (!r->primary_account || !r->primary_account[0]))
			f |= UI_R_NO_ACCOUNT;
		u->rflags[i] = f;
		u->n_flagged += f != 0;
	}
	mbx_free(byid);
}

static void sort_lists(ui *u);
static void data_alloc(ui *u);

int ui_data_load(ui *u)
{
	int64_t *marked = NULL, sel_id = 0;
	size_t n_marked = 0, i, sel;
	int rc;

	sel = ui_sel_mailbox(u);
	if (sel != UI_NONE)
		sel_id = u->mb[sel].id;
	if (u->n_marked) {
		marked = mbx_calloc(u->n_marked, sizeof *marked);
		for (i = 0; i < u->n_mb; i++)
			if (u->mark[i])
				marked[n_marked++] = u->mb[i].id;
	}
	{
		int lm_sort = u->lm.sort, lr_sort = u->lr.sort;

		ui_data_free(u);
		u->lm.sort = lm_sort;
		u->lr.sort = lr_sort;
	}
	/* The stamp first: a change made while the lists are read shows as a
	 * newer stamp at the next look (console.c), and they are read again. */
	if ((rc = mbx_store_stamp_get(u->st, &u->stamp)) < 0 ||
	    (rc = mbx_store_server_get(u->st, &u->srv)) < 0 ||
	    (rc = mbx_store_mailboxes(u->st, &u->mb, &u->n_mb)) < 0 ||
	    (rc = mbx_store_recipients(u->st, &u->rc, &u->n_rc)) < 0)
		goto out;
	data_alloc(u);
	link_data(u);
	u->total_mb = u->n_mb;
	u->total_rc = u->n_rc;
	if (n_marked)
		qsort(marked, n_marked, sizeof *marked, cmp_i64);
	for (i = 0; i < u->n_mb; i++)
		if (n_marked && bsearch(&u->mb[i].id, marked, n_marked, sizeof *marked, cmp_i64)) {
			u->mark[i] = 1;
			u->n_marked++;
		}
	sort_lists(u);
	for (i = 0; sel_id && i < u->n_mb; i++)
		if (u->mb[i].id == sel_id)
			ui_select_mailbox(u, i);
	ui_panels_clamp(u);
out:
	mbx_free(marked);
	return rc < 0 ? rc : 0;
}

/* The arrays ui_data_load fills, for n_mb and n_rc rows. */
static void data_alloc(ui *u)
{
	u->rc_of_mb = mbx_calloc(u->n_mb ? u->n_mb : 1, sizeof *u->rc_of_mb);
	u->mark = mbx_calloc(u->n_mb ? u->n_mb : 1, 1);
	u->mb_of_rc = mbx_calloc(u->n_rc ? u->n_rc : 1, sizeof *u->mb_of_rc);
	u->rflags = mbx_calloc(u->n_rc ? u->n_rc : 1, 1);
	u->lm.order = mbx_calloc(u->n_mb ? u->n_mb : 1, sizeof *u->lm.order);
	u->lr.order = mbx_calloc(u->n_rc ? u->n_rc : 1, sizeof *u->lr.order);
	u->lm.pos = mbx_calloc(u->n_mb ? u->n_mb : 1, sizeof *u->lm.pos);
	u->lr.pos = mbx_calloc(u->n_rc ? u->n_rc : 1, sizeof *u->lr.pos);
	u->lm.n = u->n_mb;
	u->lr.n = u->n_rc;
}

/* The first page links within itself; the store's links give the flags
 * and counts of everything. */
static void link_first_page(ui *u, const mbx_store_links *links)
{
	size_t i, j;

	for (j = 0; j < u->n_rc; j++) {
		u->mb_of_rc[j] = UI_NONE;
		u->rflags[j] = (unsigned char)mbx_store_links_flags(links, u->rc[j].id);
	}
	for (i = 0; i < u->n_mb; i++) {
		u->rc_of_mb[i] = UI_NONE;
		for (j = 0; u->mb[i].recipient_id && j < u->n_rc; j++)
			if (u->rc[j].id == u->mb[i].recipient_id) {
				u->rc_of_mb[i] = j;
				u->mb_of_rc[j] = i;
				break;
			}
	}
	for (i = 0; i < u->n_mb; i++)
		u->lm.order[i] = u->lm.pos[i] = i;
	for (j = 0; j < u->n_rc; j++)
		u->lr.order[j] = u->lr.pos[j] = j;
}

/* Below this many mailboxes and recipients in all the full lists load
 * in a few milliseconds: the first page would only add a redraw. */
#define UI_FIRST_PAGE_MIN 20000

int ui_data_load_first(ui *u, size_t rows)
{
	mbx_store_links *links = NULL;
	mbx_links_counts c;
	mbx_recipient r;
	int rc;

	ui_data_free(u);
	if ((rc = mbx_store_stamp_get(u->st, &u->stamp)) < 0 ||
	    (rc = mbx_store_links_load(u->st, &links)) < 0)
		goto out;
	mbx_store_links_counts(links, &c);
	if (c.mailboxes + c.recipients <= UI_FIRST_PAGE_MIN) {
		/* Small enough to list whole at once: no second step to see. */
		rc = ui_data_load(u);
		goto out;
	}
	if ((rc = mbx_store_server_get(u->st, &u->srv)) < 0 ||
	    (rc = mbx_store_mailboxes_first_page(u->st, links, rows, &u->mb, &u->n_mb)) < 0 ||
	    (rc = mbx_store_recipients_first_page(u->st, rows, &u->rc, &u->n_rc)) < 0)
		goto out;
	data_alloc(u);
	link_first_page(u, links);
	u->total_mb = c.mailboxes;
	u->total_rc = c.recipients;
	u->n_orphans = c.orphans;
	u->n_flagged = c.flagged;
	u->first_page = 1;
	if (u->n_mb && u->mb[0].recipient_id && u->rc_of_mb[0] == UI_NONE &&
	    mbx_store_recipient_by_alias(u->st, u->mb[0].alias, &r) == 0) {
		u->first_link = r.display_name;
		r.display_name = NULL;
		mbx_recipient_clear(&r);
	}
	mbx_error_clear();   /* that lookup is a nicety */
	ui_panels_clamp(u);
out:
	mbx_store_links_free(links);
	return rc < 0 ? rc : 0;
}

/* ---- sorting ------------------------------------------------------------ */

static int cmp_name(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "");
}

static int cmp_mb(const void *pa, const void *pb, void *ud)
{
	const ui *u = ud;
	const mbx_mailbox *a = &u->mb[*(const size_t *)pa], *b = &u->mb[*(const size_t *)pb];
	int c = 0;

	switch (u->lm.sort) {
	case SORT_ORPHANS:
		c = (b->recipient_id == 0) - (a->recipient_id == 0);
		break;
	case SORT_SIZE:
		c = a->total_size < b->total_size ? 1 : a->total_size > b->total_size ? -1 : 0;
		break;
	case SORT_ITEMS:
		c = a->item_count < b->item_count ? 1 : a->item_count > b->item_count ? -1 : 0;
		break;
	case SORT_LOGON:
		c = a->last_logon < b->last_logon ? 1 : a->last_logon > b->last_logon ? -1 : 0;
		break;
	}
	if (!c)
		c = cmp_name(a->display_name, b->display_name);
	if (!c)
		c = a->id < b->id ? -1 : a->id > b->id;
	return c;
}

static int cmp_rc(const void *pa, const void *pb, void *ud)
{
	const ui *u = ud;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const mbx_recipient *a = &u->rc[ia], *b = &u->rc[ib];
	int c = 0;

	if (u->lr.sort == RSORT_ALIAS)
		c = cmp_name(a->alias, b->alias);
	else if (u->lr.sort == RSORT_FLAGGED)
		c = (u->rflags[ib] != 0) - (u->rflags[ia] != 0);
	if (!c)
		c = cmp_name(a->display_name, b->display_name);
	if (!c)
		c = a->id < b->id ? -1 : a->id > b->id;
	return c;
}

/* The store hands both lists out by display name already: check in one
 * pass and skip the sort when the order holds (100,000 rows start fast). */
static void sort_one(size_t *order, size_t n, int (*cmp)(const void *, const void *, void *), ui *u)
{
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = 1; i < n; i++)
		if (cmp(&order[i - 1], &order[i], u) > 0)
			break;
	if (i < n)
		qsort_r(order, n, sizeof *order, cmp, u);
}

static void sort_lists(ui *u)
{
	size_t i;

	sort_one(u->lm.order, u->n_mb, cmp_mb, u);
	sort_one(u->lr.order, u->n_rc, cmp_rc, u);
	for (i = 0; i < u->n_mb; i++)
		u->lm.pos[u->lm.order[i]] = i;
	for (i = 0; i < u->n_rc; i++)
		u->lr.pos[u->lr.order[i]] = i;
}

/* ---- selection ------------------------------------------------------------ */

size_t ui_sel_mailbox(const ui *u)
{
	return u->lm.n && u->lm.sel < u->lm.n ? u->lm.order[u->lm.sel] : UI_NONE;
}

static size_t sel_recipient(const ui *u)
{
	return u->lr.n && u->lr.sel < u->lr.n ? u->lr.order[u->lr.sel] : UI_NONE;
}

static size_t pos_of(const ui_list *l, size_t idx)
{
	return idx < l->n ? l->pos[idx] : UI_NONE;
}

static void list_show(ui_list *l, int rows)
{
	if (rows < 1)
		rows = 1;
	if (l->n == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= l->n)
		l->sel = l->n - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)rows)
		l->top = l->sel - (size_t)rows + 1;
	if (l->top + (size_t)rows > l->n)
		l->top = l->n > (size_t)rows ? l->n - (size_t)rows : 0;
}

void ui_select_mailbox(ui *u, size_t idx)
{
	size_t p = pos_of(&u->lm, idx);

	if (p != UI_NONE)
		u->lm.sel = p;
	list_show(&u->lm, u->list_rows);
}

void ui_panels_clamp(ui *u)
{
	list_show(&u->lm, u->list_rows);
	list_show(&u->lr, u->list_rows);
}

/* The position in the other list linked to the focused selection. */
static size_t linked_pos(const ui *u)
{
	size_t i;

	if (u->focus == 0) {
		i = ui_sel_mailbox(u);
		if (i == UI_NONE || u->rc_of_mb[i] == UI_NONE)
			return UI_NONE;
		return pos_of(&u->lr, u->rc_of_mb[i]);
	}
	i = sel_recipient(u);
	if (i == UI_NONE || u->mb_of_rc[i] == UI_NONE)
		return UI_NONE;
	return pos_of(&u->lm, u->mb_of_rc[i]);
}

/* Make the other panel follow the focused selection; `scrolled` is how
 * far the focused list's view just moved (rows, signed).
 *
 * The other view scrolls along with the focused one whenever it can, so
 * both panels move as whole screen lines and curses scrolls the terminal
 * (idlok in ui_layout) instead of rewriting every row.  The linked item
 * is marked with '>' wherever it shows; only when it is out of view does
 * the other view jump, putting it on the selection's row (always, with
 * `align`, after jumps).  Keeping the link on the selection's row at
 * every step would stop the other view for one line at each orphan (it
 * has no counterpart), and each stop costs a rewrite of a whole panel. */
static void follow_move(ui *u, long scrolled, int align)
{
	size_t p = linked_pos(u), rows = u->list_rows > 0 ? (size_t)u->list_rows : 1;
	ui_list *other = u->focus == 0 ? &u->lr : &u->lm;
	const ui_list *me = u->focus == 0 ? &u->lm : &u->lr;

	if (scrolled && other->n > rows) {
		size_t max_top = other->n - rows;

		if (scrolled < 0)
			other->top = (size_t)-scrolled > other->top ? 0 : other->top - (size_t)-scrolled;
		else
			other->top = other->top + (size_t)scrolled > max_top ? max_top :
			             other->top + (size_t)scrolled;
	}
	if (p == UI_NONE)
		return;
	other->sel = p;
	if (align || p < other->top || p >= other->top + rows) {
		size_t row = me->sel - me->top;

		other->top = p > row ? p - row : 0;
	}
	list_show(other, u->list_rows);
}

/* After a jump (search, Tab, sort) the whole view changes anyway: put
 * the link on the selection's row, where it reads best. */
static void follow(ui *u)
{
	follow_move(u, 0, 1);
}

/* ---- drawing --------------------------------------------------------------- */

/* Counts in at most 5 columns: "99999", "1234k", "12M". */
static void fmt_count(int64_t v, char *buf, size_t len)
{
	if (v >= 10000000)
		snprintf(buf, len, "%lldM", (long long)(v / 1000000));
	else if (v >= 100000)
		snprintf(buf, len, "%lldk", (long long)(v / 1000));
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* Sizes in at most 7 columns: "1023 MB", "99.9 KB", "512 B". */
static void fmt_size(int64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB", "PB" };
	double d = (double)v;
	int k = -1;

	if (v < 1024) {
		snprintf(buf, len, "%lld B", (long long)(v < 0 ? 0 : v));
		return;
	}
	do {
		d /= 1024.0;
		k++;
	} while (d >= 1024.0 && k < 4);
	snprintf(buf, len, d >= 99.95 ? "%.0f %s" : "%.1f %s", d, units[k]);
}

/* Always YYYY-MM-DD: a date that reads the same everywhere. */
static void fmt_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Column widths of the left panel: markers, name, items, size, date. */
#define L_MARK 3
#define L_ITEMS 5
#define L_SIZE 7
#define L_DATE 10
#define R_MARK 2
#define R_TYPE 4

/* The first title of the list that fits in a panel `cols` wide. */
static const char *fit_title(const char *const *t, size_t n, int cols)
{
	size_t i;

	for (i = 0; i + 1 < n && mbx_text_width(t[i]) > cols - 5; i++)
		;
	return t[i];
}

/* The selection is the row whose marker column shows '>' (and its link
 * in the other panel shows it too), not a bar of reverse video: over a
 * slow link a bar costs a rewrite of the row it leaves at every step. */
static void draw_mailboxes(ui *u, size_t linked)
{
	WINDOW *w = u->w_left;
	int W = getmaxx(w) - 2, y;
	int name_w = W - L_MARK - (1 + L_ITEMS) - (1 + L_SIZE) - (1 + L_DATE);
	char t1[96], t2[96], t3[96], num[24], size[24], date[24];
	const char *titles[3] = { t1, t2, t3 };
	chtype head = A_BOLD | A_UNDERLINE;

	snprintf(t1, sizeof t1, "Mailbox Resources (%zu, %zu orphaned)", u->total_mb, u->n_orphans);
	snprintf(t2, sizeof t2, "Mailboxes (%zu, %zu orphaned)", u->total_mb, u->n_orphans);
	snprintf(t3, sizeof t3, "Mailboxes (%zu, %zu !)", u->total_mb, u->n_orphans);
	ui_box(u, w, fit_title(titles, 3, getmaxx(w)), u->focus == 0);
	ui_text_put(u, w, 1, 1, "   Display name", L_MARK + name_w, 0, head);
	ui_text_put(u, w, 1, 1 + L_MARK + name_w, "Items", 1 + L_ITEMS, 1, head);
	ui_text_put(u, w, 1, 1 + L_MARK + name_w + 1 + L_ITEMS, "Size", 1 + L_SIZE, 1, head);
	ui_text_put(u, w, 1, 1 + L_MARK + name_w + 2 + L_ITEMS + L_SIZE, " Last logon", 1 + L_DATE,
	            0, head);
	for (y = 0; y < u->list_rows; y++) {
		size_t pos = u->lm.top + (size_t)y, i;
		const mbx_mailbox *m;
		chtype a = A_NORMAL;
		int x = 1, orphan;

		if (pos >= u->lm.n) {
			ui_text_put(u, w, 2 + y, 1, "", W, 0, A_NORMAL);
			continue;
		}
		i = u->lm.order[pos];
		m = &u->mb[i];
		orphan = m->recipient_id == 0;   /* its recipient may be off the first page */
		if (orphan)
			a = ui_attr(u, UI_C_ORPHAN);
		wattrset(w, a);
		mvwaddch(w, 2 + y, x, u->mark[i] ? '+' : ' ');
		waddch(w, orphan ? '!' : ' ');
		waddch(w, pos == linked || (u->focus == 0 && pos == u->lm.sel) ? '>' : ' ');
		x += L_MARK;
		ui_text_put_mid(u, w, 2 + y, x, m->display_name, name_w, a);
		x += name_w;
		fmt_count(m->item_count, num, sizeof num);
		ui_text_put(u, w, 2 + y, x, num, 1 + L_ITEMS, 1, a);
		x += 1 + L_ITEMS;
		fmt_size(m->total_size, size, sizeof size);
		ui_text_put(u, w, 2 + y, x, size, 1 + L_SIZE, 1, a);
		x += 1 + L_SIZE;
		fmt_date(m->last_logon, date, sizeof date);
		ui_text_put(u, w, 2 + y, x, " ", 1, 0, a);
		ui_text_put(u, w, 2 + y, x + 1, date, W + 1 - (x + 1), 0, a);
	}
}

static const char *type_name(mbx_object_class c)
{
	return c == MBX_OBJ_MAILBOX ? "Mbx" : c == MBX_OBJ_CUSTOM ? "Cust" : "DL";
}

static void draw_recipients(ui *u, size_t linked)
{
	WINDOW *w = u->w_right;
	int W = getmaxx(w) - 2, rest = W - R_MARK - 1 - (1 + R_TYPE) - 2;
	int alias_w = rest * 2 / 5 < 8 ? 8 : rest * 2 / 5, name_w = rest - alias_w;
	char t1[96], t2[96], t3[96], t4[96], t5[96];
	const char *titles[5] = { t1, t2, t3, t4, t5 };
	size_t i;
	int y;
	chtype head = A_BOLD | A_UNDERLINE;

	snprintf(t1, sizeof t1, "Recipients (%zu, %zu need attention)", u->total_rc, u->n_flagged);
	snprintf(t2, sizeof t2, "Recipients (%zu, %zu flagged)", u->total_rc, u->n_flagged);
	snprintf(t3, sizeof t3, "Recipients (%zu, %zu ~)", u->total_rc, u->n_flagged);
	snprintf(t4, sizeof t4, "Recipients %zu, ~%zu", u->total_rc, u->n_flagged);
	snprintf(t5, sizeof t5, "Recipients (%zu)", u->total_rc);
	ui_box(u, w, u->n_flagged ? fit_title(titles, 5, getmaxx(w)) : t5, u->focus == 1);
	ui_text_put(u, w, 1, 1, "  Display name", R_MARK + name_w, 0, head);
	ui_text_put(u, w, 1, 1 + R_MARK + name_w, " Alias", 1 + alias_w, 0, head);
	ui_text_put(u, w, 1, 1 + R_MARK + 1 + name_w + alias_w, " Type", 2 + R_TYPE, 0, head);
	ui_text_put(u, w, 1, 1 + R_MARK + 3 + name_w + alias_w + R_TYPE, "H",
	            W - (R_MARK + 3 + name_w + alias_w + R_TYPE), 0, head);
	for (y = 0; y < u->list_rows; y++) {
		size_t pos = u->lr.top + (size_t)y;
		const mbx_recipient *r;
		chtype a = A_NORMAL;
		int x = 1;
		unsigned char f;

		if (pos >= u->lr.n) {
			ui_text_put(u, w, 2 + y, 1, "", W, 0, A_NORMAL);
			continue;
		}
		i = u->lr.order[pos];
		r = &u->rc[i];
		f = u->rflags[i];
		if (f)
			a = ui_attr(u, UI_C_WARN);
		wattrset(w, a);
		mvwaddch(w, 2 + y, x, f & UI_R_NO_MAILBOX ? '-' : f ? '~' : ' ');
		waddch(w, pos == linked || (u->focus == 1 && pos == u->lr.sel) ? '>' : ' ');
		x += R_MARK;
		ui_text_put_mid(u, w, 2 + y, x, r->display_name, name_w, a);
		x += name_w;
		ui_text_put(u, w, 2 + y, x, " ", 1, 0, a);
		ui_text_put_mid(u, w, 2 + y, x + 1, r->alias, alias_w, a);
		x += 1 + alias_w;
		ui_text_put(u, w, 2 + y, x, " ", 1, 0, a);
		ui_text_put(u, w, 2 + y, x + 1, type_name(r->object_class), R_TYPE + 1, 0, a);
		x += 2 + R_TYPE;
		ui_text_put(u, w, 2 + y, x, r->hidden ? "H" : "", W + 1 - x, 0, a);
	}
}

void ui_panels_draw(ui *u)
{
	size_t linked;

	if (ui_start_empty(u)) {
		ui_start_draw(u);    /* how to load an empty server */
		return;
	}
	linked = linked_pos(u);

	draw_mailboxes(u, u->focus == 1 ? linked : UI_NONE);
	draw_recipients(u, u->focus == 0 ? linked : UI_NONE);
}

void ui_panels_draw_info(ui *u, WINDOW *w, int y)
{
	char *s = NULL;
	size_t i;

	if (u->focus == 0) {
		i = ui_sel_mailbox(u);
		if (i == UI_NONE)
			s = mbx_strdup("The information store holds no mailboxes.");
		else if (u->mb[i].recipient_id == 0)
			s = mbx_strdup("! NO directory entry (Exmerge fails): F2 adjust, F9 recover");
		else if (u->rc_of_mb[i] == UI_NONE)   /* first page: not among its recipients */
			s = mbx_asprintf("> recipient %s", u->first_link ? u->first_link : u->mb[i].alias);
		else
			/* The alias shows on the row marked '>': every byte here is
			 * rewritten on each line of movement. */
			s = mbx_asprintf("> recipient %s", u->rc[u->rc_of_mb[i]].display_name);
	} else {
		i = sel_recipient(u);
		if (i == UI_NONE) {
			s = mbx_strdup("The directory holds no recipients.");
		} else {
			const mbx_recipient *r = &u->rc[i];
			unsigned char f = u->rflags[i];

			if (u->mb_of_rc[i] != UI_NONE)
				s = mbx_asprintf("> mailbox %s%s%s", u->mb[u->mb_of_rc[i]].display_name,
				                 f & UI_R_HIDDEN ? "; recreated, still hidden" : "",
				                 f & UI_R_NO_ACCOUNT ? "; no primary NT account" : "");
			else if (f & UI_R_NO_MAILBOX)
				s = mbx_asprintf("- %s: homed on this server but no mailbox in the store",
				                 r->display_name);
			else
				s = mbx_asprintf("%s has no mailbox on this server (%s)", r->display_name,
				                 type_name(r->object_class));
		}
	}
	if (u->n_marked) {
		char *t = mbx_asprintf("[%zu marked] %s", u->n_marked, s);

		mbx_free(s);
		s = t;
	}
	ui_text_put(u, w, y, 0, s, u->cols, 0, A_NORMAL);
	mbx_free(s);
}

/* ---- keys -------------------------------------------------------------------- */

static ui_list *focused(ui *u)
{
	return u->focus == 0 ? &u->lm : &u->lr;
}

static void move_sel(ui *u, long delta)
{
	ui_list *l = focused(u);
	size_t old_top;

	if (!l->n)
		return;
	if (delta < 0 && (size_t)-delta > l->sel)
		l->sel = 0;
	else if (delta > 0 && l->sel + (size_t)delta >= l->n)
		l->sel = l->n - 1;
	else
		l->sel = (size_t)((long)l->sel + delta);
	old_top = l->top;
	list_show(l, u->list_rows);
	follow_move(u, (long)l->top - (long)old_top, 0);
}

static int name_matches(const char *name, const char *needle)
{
	return name && strcasestr(name, needle) != NULL;
}

/* Find the next item matching u->search from position `from` (wrapping). */
static int search_from(ui *u, size_t from)
{
	ui_list *l = focused(u);
	size_t k;

	if (!u->search[0] || !l->n)
		return 0;
	for (k = 0; k < l->n; k++) {
		size_t pos = (from + k) % l->n, i = l->order[pos];
		int hit;

		if (u->focus == 0)
			hit = name_matches(u->mb[i].display_name, u->search) ||
			      name_matches(u->mb[i].alias, u->search);
		else
			hit = name_matches(u->rc[i].display_name, u->search) ||
			      name_matches(u->rc[i].alias, u->search);
		if (hit) {
			l->sel = pos;
			list_show(l, u->list_rows);
			follow(u);
			return 1;
		}
	}
	return 0;
}

static int search_key(ui *u, int ch)
{
	size_t len = strlen(u->search);

	if (ch == 27) {
		focused(u)->sel = u->search_start;
		list_show(focused(u), u->list_rows);
		follow(u);
		u->searching = 0;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		u->searching = 0;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		/* Remove one whole UTF-8 character. */
		while (len && ((unsigned char)u->search[len - 1] & 0xC0) == 0x80)
			len--;
		if (len)
			len--;
		u->search[len] = '\0';
		if (!search_from(u, u->search_start))
			ui_status(u, "no match for \"%s\"", u->search);
	} else if ((ch & UI_WCHAR) || (ch >= 32 && ch < 256 && ch != 127)) {
		char mb[MB_LEN_MAX];
		mbstate_t ps;
		size_t k;

		memset(&ps, 0, sizeof ps);
		k = wcrtomb(mb, (wchar_t)(ch & ~UI_WCHAR), &ps);
		if (k == (size_t)-1 || len + k + 1 > sizeof u->search)
			return 1;
		memcpy(u->search + len, mb, k);
		u->search[len + k] = '\0';
		if (!search_from(u, u->search_start))
			ui_status(u, "no match for \"%s\"", u->search);
	} else if (ch == KEY_DOWN || ch == 14 /* ^N */) {
		search_from(u, focused(u)->sel + 1);
	}
	return 1;
}

int ui_search_key(ui *u, int ch)
{
	return u->searching ? search_key(u, ch) : 0;
}

/* The handlers of the panel keys (bound to their keys in ui_keys.c). */
static long page_rows(const ui *u)
{
	return u->list_rows > 1 ? u->list_rows - 1 : 1;
}

void ui_panels_switch(ui *u)
{
	u->focus = !u->focus;
	follow(u);
}

void ui_panels_line_prev(ui *u) { move_sel(u, -1); }
void ui_panels_line_next(ui *u) { move_sel(u, 1); }
void ui_panels_page_prev(ui *u) { move_sel(u, -page_rows(u)); }
void ui_panels_page_next(ui *u) { move_sel(u, page_rows(u)); }
void ui_panels_first(ui *u) { move_sel(u, -(long)focused(u)->n); }
void ui_panels_last(ui *u) { move_sel(u, (long)focused(u)->n); }

void ui_search_begin(ui *u)
{
	u->searching = 1;
	u->search[0] = '\0';
	u->search_start = focused(u)->sel;
}

void ui_search_next(ui *u)
{
	if (!u->search[0] || !search_from(u, focused(u)->sel + 1))
		ui_status(u, "no search (press / to search)");
}

void ui_panels_sort(ui *u)
{
	size_t i;

	if (u->focus == 0) {
		i = ui_sel_mailbox(u);
		u->lm.sort = (u->lm.sort + 1) % SORT_COUNT;
		sort_lists(u);
		if (i != UI_NONE)
			ui_select_mailbox(u, i);
		ui_status(u, "Mailbox Resources sorted by %s", sort_names[u->lm.sort]);
	} else {
		i = sel_recipient(u);
		u->lr.sort = (u->lr.sort + 1) % RSORT_COUNT;
		sort_lists(u);
		if (i != UI_NONE)
			u->lr.sel = pos_of(&u->lr, i);
		list_show(&u->lr, u->list_rows);
		ui_status(u, "Recipients sorted by %s", rsort_names[u->lr.sort]);
	}
	follow(u);
}

void ui_mark_toggle(ui *u)
{
	size_t i;

	if (u->focus != 0 || (i = ui_sel_mailbox(u)) == UI_NONE)
		return;
	u->mark[i] = !u->mark[i];
	if (u->mark[i])
		u->n_marked++;
	else
		u->n_marked--;
	move_sel(u, 1);
}

void ui_mark_orphans(ui *u)
{
	size_t i, k;

	for (k = 0, i = 0; i < u->n_mb; i++)
		if (u->rc_of_mb[i] == UI_NONE && !u->mark[i]) {
			u->mark[i] = 1;
			u->n_marked++;
			k++;
		}
	ui_status(u, "%zu orphaned mailbox%s marked, %zu newly (%zu marked in all)",
	          u->n_orphans, u->n_orphans == 1 ? "" : "es", k, u->n_marked);
}

void ui_mark_clear(ui *u)
{
	if (u->mark)
		memset(u->mark, 0, u->n_mb);
	u->n_marked = 0;
	ui_status(u, "marks cleared");
}

/* ---- selections for actions ------------------------------------------------- */

const char **ui_export_aliases(const ui *u, int all, size_t *n)
{
	const char **a = mbx_calloc(u->n_mb ? u->n_mb : 1, sizeof *a);
	size_t i, k = 0, s;

	for (i = 0; i < u->lm.n; i++)
		if (u->mark[u->lm.order[i]])
			a[k++] = u->mb[u->lm.order[i]].alias;
	if (!k && all)
		for (i = 0; i < u->lm.n; i++)
			a[k++] = u->mb[u->lm.order[i]].alias;
	if (!k && (s = ui_sel_mailbox(u)) != UI_NONE)
		a[k++] = u->mb[s].alias;
	*n = k;
	return a;
}

size_t *ui_orphans(const ui *u, size_t *n)
{
	size_t *o = mbx_calloc(u->n_mb ? u->n_mb : 1, sizeof *o);
	size_t i, k = 0;

	for (i = 0; i < u->lm.n; i++)
		if (u->rc_of_mb[u->lm.order[i]] == UI_NONE)
			o[k++] = u->lm.order[i];
	*n = k;
	return o;
}
