/*
 * tests/pstdump-pff.c - the property dump of tests/PROPDUMP.md, read
 * through libpff's C API: an independent property-level reader to hold
 * `mbxrescue pst-dump` (our reader) and our writer against.
 *
 *   pstdump-pff FILE.pst      the dump on stdout; exit 0, 1 when libpff
 *                             could not read some object (said on stderr)
 *
 * Only libpff and nettle (for the hashes): nothing of mbxrescue.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpff.h>
#include <nettle/sha2.h>

#define HEX_MAX 48

typedef struct line {
	char *key;
	char *rest;          /* "TYPE\tLEN\tVALUE" */
} line;

typedef struct lines {
	line *l;
	size_t n, cap;
} lines;

static int failures;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "pstdump-pff: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static void complain(const char *obj, const char *what, libpff_error_t *err)
{
	char buf[512] = "";

	if (err) {
		libpff_error_sprint(err, buf, sizeof(buf));
		libpff_error_free(&err);
	}
	fprintf(stderr, "pstdump-pff: %s: %s%s%s\n", obj, what, *buf ? ": " : "", buf);
	failures++;
}

/* Natural size of a fixed-size type, 0 for the others ([MS-OXCDATA] 2.11.1). */
static size_t fixed_size(uint32_t type)
{
	switch (type) {
	case 0x0002: return 2;
	case 0x0003: case 0x0004: case 0x000A: return 4;
	case 0x000B: return 1;
	case 0x0005: case 0x0006: case 0x0007: case 0x0014: case 0x0040: return 8;
	case 0x0048: return 16;
	default: return 0;
	}
}

static void guid_text(const uint8_t *g, char out[39])
{
	snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
	         g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
	         g[13], g[14], g[15]);
}

static char *value_text(const uint8_t *v, size_t n)
{
	char *s;
	size_t i;

	if (n <= HEX_MAX) {
		s = xmalloc(2 * n + 1);
		for (i = 0; i < n; i++)
			sprintf(s + 2 * i, "%02x", v[i]);
		s[2 * n] = 0;
	} else {
		struct sha256_ctx c;
		uint8_t d[SHA256_DIGEST_SIZE];

		sha256_init(&c);
		sha256_update(&c, n, v);
		sha256_digest(&c, sizeof(d), d);
		s = xmalloc(7 + 2 * sizeof(d) + 1);
		strcpy(s, "sha256:");
		for (i = 0; i < sizeof(d); i++)
			sprintf(s + 7 + 2 * i, "%02x", d[i]);
	}
	return s;
}

/* The KEY of an entry: "0x0037", "{GUID}:0x8216" or "{GUID}:'name'"; NULL
 * when a named id has no map entry (reported). */
static char *entry_key(libpff_record_entry_t *e, uint32_t id, const char *obj)
{
	libpff_name_to_id_map_entry_t *nm = NULL;
	libpff_error_t *err = NULL;
	uint8_t guid[16];
	char g[39], *key = NULL;
	uint8_t kind = 0;

	if (id < 0x8000) {
		key = xmalloc(8);
		snprintf(key, 8, "0x%04X", (unsigned)id);
		return key;
	}
	if (libpff_record_entry_get_name_to_id_map_entry(e, &nm, &err) != 1) {
		complain(obj, "a named property without a name-to-ID map entry", err);
		return NULL;
	}
	if (libpff_name_to_id_map_entry_get_guid(nm, guid, sizeof(guid), &err) != 1 ||
	    libpff_name_to_id_map_entry_get_type(nm, &kind, &err) != 1) {
		complain(obj, "a name-to-ID map entry that cannot be read", err);
		return NULL;
	}
	guid_text(guid, g);
	if (kind == LIBPFF_NAME_TO_ID_MAP_ENTRY_TYPE_STRING) {
		size_t n = 0;
		uint8_t *s;

		if (libpff_name_to_id_map_entry_get_utf8_string_size(nm, &n, &err) != 1) {
			complain(obj, "a string name that cannot be read", err);
			return NULL;
		}
		s = xmalloc(n + 1);
		if (libpff_name_to_id_map_entry_get_utf8_string(nm, s, n, &err) != 1) {
			complain(obj, "a string name that cannot be read", err);
			free(s);
			return NULL;
		}
		s[n] = 0;
		key = xmalloc(strlen(g) + strlen((char *)s) + 4);
		sprintf(key, "%s:'%s'", g, (char *)s);
		free(s);
	} else {
		uint32_t lid = 0;

		libpff_name_to_id_map_entry_get_number(nm, &lid, &err);
		key = xmalloc(strlen(g) + 16);
		sprintf(key, "%s:0x%04X", g, (unsigned)lid);
	}
	return key;
}

static void lines_add(lines *ls, char *key, char *rest)
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 64;
		ls->l = realloc(ls->l, ls->cap * sizeof(*ls->l));
		if (!ls->l)
			exit(2);
	}
	ls->l[ls->n].key = key;
	ls->l[ls->n].rest = rest;
	ls->n++;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const line *)a)->key, ((const line *)b)->key);
}

static void record_set(libpff_record_set_t *rs, const char *obj, lines *ls)
{
	libpff_error_t *err = NULL;
	int n = 0, i;

	if (libpff_record_set_get_number_of_entries(rs, &n, &err) != 1) {
		complain(obj, "its properties cannot be counted", err);
		return;
	}
	for (i = 0; i < n; i++) {
		libpff_record_entry_t *e = NULL;
		uint32_t id = 0, type = 0;
		size_t size = 0, fs;
		uint8_t *data;
		char *key, *val, *rest;

		if (libpff_record_set_get_entry_by_index(rs, i, &e, &err) != 1) {
			complain(obj, "a property cannot be read", err);
			continue;
		}
		libpff_record_entry_get_entry_type(e, &id, NULL);
		libpff_record_entry_get_value_type(e, &type, NULL);
		/* the embedded message's reference: dumped as ATT/msg instead */
		if (id == 0x3701 && type == 0x000D) {
			libpff_record_entry_free(&e, NULL);
			continue;
		}
		key = entry_key(e, id, obj);
		if (!key) {
			libpff_record_entry_free(&e, NULL);
			continue;
		}
		if (libpff_record_entry_get_data_size(e, &size, &err) != 1) {
			rest = xmalloc(64);
			snprintf(rest, 64, "0x%04X\t-\tunreadable: libpff", (unsigned)type);
			libpff_error_free(&err);
			lines_add(ls, key, rest);
			libpff_record_entry_free(&e, NULL);
			continue;
		}
		data = xmalloc(size);
		if (size && libpff_record_entry_get_data(e, data, size, &err) != 1) {
			rest = xmalloc(64);
			snprintf(rest, 64, "0x%04X\t-\tunreadable: libpff", (unsigned)type);
			libpff_error_free(&err);
			lines_add(ls, key, rest);
			free(data);
			libpff_record_entry_free(&e, NULL);
			continue;
		}
		/* a PC keeps values of up to 4 bytes in a 4-byte slot */
		fs = fixed_size(type);
		if (fs && size > fs)
			size = fs;
		val = value_text(data, size);
		rest = xmalloc(strlen(val) + 40);
		sprintf(rest, "0x%04X\t%zu\t%s", (unsigned)type, size, val);
		free(val);
		free(data);
		lines_add(ls, key, rest);
		libpff_record_entry_free(&e, NULL);
	}
}

/* Every record set of item as one object (recipients: one per row). */
static void dump_sets(libpff_item_t *item, int first, int count, const char *obj)
{
	libpff_error_t *err = NULL;
	lines ls = { NULL, 0, 0 };
	int i;
	size_t k;

	for (i = first; i < first + count; i++) {
		libpff_record_set_t *rs = NULL;

		if (libpff_item_get_record_set_by_index(item, i, &rs, &err) != 1) {
			complain(obj, "its record set cannot be read", err);
			continue;
		}
		record_set(rs, obj, &ls);
		libpff_record_set_free(&rs, NULL);
	}
	qsort(ls.l, ls.n, sizeof(*ls.l), line_cmp);
	for (k = 0; k < ls.n; k++) {
		printf("%s\t%s\t%s\n", obj, ls.l[k].key, ls.l[k].rest);
		free(ls.l[k].key);
		free(ls.l[k].rest);
	}
	free(ls.l);
}

static void dump_item(libpff_item_t *item, const char *obj)
{
	int n = 0;

	if (libpff_item_get_number_of_record_sets(item, &n, NULL) != 1 || n < 1) {
		complain(obj, "it has no property context", NULL);
		return;
	}
	dump_sets(item, 0, 1, obj);
}

static void dump_message(libpff_item_t *msg, const char *obj);

static void dump_message(libpff_item_t *msg, const char *obj)
{
	libpff_error_t *err = NULL;
	libpff_item_t *rc = NULL;
	int n = 0, i, r;
	char *sub;

	dump_item(msg, obj);
	sub = xmalloc(strlen(obj) + 32);
	r = libpff_message_get_recipients(msg, &rc, &err);
	if (r == 1) {
		int sets = 0;

		libpff_item_get_number_of_record_sets(rc, &sets, NULL);
		for (i = 0; i < sets; i++) {
			sprintf(sub, "%s/rcpt#%d", obj, i);
			dump_sets(rc, i, 1, sub);
		}
		libpff_item_free(&rc, NULL);
	} else if (r < 0) {
		complain(obj, "its recipients cannot be read", err);
		err = NULL;
	}
	if (libpff_message_get_number_of_attachments(msg, &n, &err) != 1) {
		complain(obj, "its attachments cannot be counted", err);
		err = NULL;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		libpff_item_t *att = NULL, *emb = NULL;
		int type = 0;

		sprintf(sub, "%s/att#%d", obj, i);
		if (libpff_message_get_attachment(msg, i, &att, &err) != 1) {
			complain(sub, "cannot be read", err);
			err = NULL;
			continue;
		}
		dump_item(att, sub);
		if (libpff_attachment_get_type(att, &type, NULL) == 1 && type == LIBPFF_ATTACHMENT_TYPE_ITEM &&
		    libpff_attachment_get_item(att, &emb, &err) == 1) {
			char *m = xmalloc(strlen(sub) + 8);

			sprintf(m, "%s/msg", sub);
			dump_message(emb, m);
			free(m);
			libpff_item_free(&emb, NULL);
		} else if (err) {
			complain(sub, "its embedded message cannot be read", err);
			err = NULL;
		}
		libpff_item_free(&att, NULL);
	}
	free(sub);
}

/* A name as a path element: '/' '\' and controls escaped. */
static char *path_elem(const char *name)
{
	char *s = xmalloc(4 * strlen(name) + 1), *o = s;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (c == '/' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			o += sprintf(o, "\\x%02x", c);
		} else {
			*o++ = (char)c;
		}
	}
	*o = 0;
	return s;
}

static char *folder_name(libpff_item_t *f)
{
	size_t n = 0;
	char *s;

	if (libpff_folder_get_utf8_name_size(f, &n, NULL) != 1 || n == 0)
		return xstrdup("");
	s = xmalloc(n + 1);
	if (libpff_folder_get_utf8_name(f, (uint8_t *)s, n, NULL) != 1) {
		free(s);
		return xstrdup("");
	}
	s[n] = 0;
	return s;
}

static void dump_folder(libpff_item_t *f, const char *path)
{
	libpff_error_t *err = NULL;
	char *obj = xmalloc(strlen(path) + 16), *sub;
	char **names;
	int n = 0, i, j;

	sprintf(obj, "folder:%s", path);
	dump_item(f, obj);
	sub = xmalloc(strlen(obj) + 32);
	if (libpff_folder_get_number_of_sub_messages(f, &n, &err) != 1) {
		complain(obj, "its messages cannot be counted", err);
		err = NULL;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		libpff_item_t *m = NULL;

		sprintf(sub, "%s/msg#%d", obj, i);
		if (libpff_folder_get_sub_message(f, i, &m, &err) != 1) {
			complain(sub, "cannot be read", err);
			err = NULL;
			continue;
		}
		dump_message(m, sub);
		libpff_item_free(&m, NULL);
	}
	n = 0;
	if (libpff_folder_get_number_of_sub_associated_contents(f, &n, &err) != 1) {
		complain(obj, "its associated contents cannot be counted", err);
		err = NULL;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		libpff_item_t *m = NULL;

		sprintf(sub, "%s/fai#%d", obj, i);
		if (libpff_folder_get_sub_associated_content(f, i, &m, &err) != 1) {
			complain(sub, "cannot be read", err);
			err = NULL;
			continue;
		}
		dump_message(m, sub);
		libpff_item_free(&m, NULL);
	}
	free(sub);
	n = 0;
	if (libpff_folder_get_number_of_sub_folders(f, &n, &err) != 1) {
		complain(obj, "its subfolders cannot be counted", err);
		err = NULL;
		n = 0;
	}
	names = xmalloc((size_t)(n ? n : 1) * sizeof(*names));
	for (i = 0; i < n; i++) {
		libpff_item_t *c = NULL;
		char *elem, *child;
		int dup = 1;

		names[i] = NULL;
		if (libpff_folder_get_sub_folder(f, i, &c, &err) != 1) {
			complain(obj, "a subfolder cannot be read", err);
			err = NULL;
			continue;
		}
		names[i] = folder_name(c);
		for (j = 0; j < i; j++)
			if (names[j] && strcmp(names[j], names[i]) == 0)
				dup++;
		elem = path_elem(names[i]);
		child = xmalloc(strlen(path) + strlen(elem) + 16);
		if (dup > 1)
			sprintf(child, "%s%s%s#%d", path, *path ? "/" : "", elem, dup);
		else
			sprintf(child, "%s%s%s", path, *path ? "/" : "", elem);
		dump_folder(c, child);
		free(child);
		free(elem);
		libpff_item_free(&c, NULL);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(obj);
}

int main(int argc, char **argv)
{
	libpff_file_t *file = NULL;
	libpff_error_t *err = NULL;
	libpff_item_t *store = NULL, *root = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: pstdump-pff FILE.pst\n");
		return 2;
	}
	if (libpff_file_initialize(&file, &err) != 1 ||
	    libpff_file_open(file, argv[1], LIBPFF_OPEN_READ, &err) != 1) {
		complain(argv[1], "libpff cannot open it", err);
		return 2;
	}
	if (libpff_file_get_message_store(file, &store, &err) == 1) {
		dump_item(store, "store");
		libpff_item_free(&store, NULL);
	} else {
		complain("store", "cannot be read", err);
		err = NULL;
	}
	if (libpff_file_get_root_folder(file, &root, &err) == 1) {
		dump_folder(root, "");
		libpff_item_free(&root, NULL);
	} else {
		complain("folder:", "the root folder cannot be read", err);
	}
	libpff_file_close(file, NULL);
	libpff_file_free(&file, NULL);
	return failures ? 1 : 0;
}
