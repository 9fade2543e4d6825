/*
 * mbx/rtf.h - RTF bodies: the compressed form a message keeps in
 * PidTagRtfCompressed ([MS-OXRTFCP]), and RTF reduced to plain text (for
 * the search index and `mbxrescue show`).
 *
 * Ownership: every *out is allocated with the mbx_ family and belongs to
 * the caller; it is NUL-terminated (one byte beyond *outlen) so text can
 * be used as a string.
 */
#ifndef MBX_RTF_H
#define MBX_RTF_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Decompress a PidTagRtfCompressed value (LZFu, or the uncompressed MELA
 * form) to RTF.  A damaged value (header sizes that do not add up, a bad
 * CRC, a reference past what was written, output over RAWSIZE) is
 * MBX_ECORRUPT with a message saying what; *out is then NULL.
 */
int mbx_rtf_decompress(const void *value, size_t len, unsigned char **out, size_t *outlen);

/* The PidTagRtfCompressed value of rtf: LZFu compressed (compress = 1)
 * or the uncompressed MELA form (compress = 0). */
void mbx_rtf_compress(const void *rtf, size_t len, int compress, unsigned char **out, size_t *outlen);

/*
 * The text of an RTF document as UTF-8: paragraphs and line breaks as
 * "\n", tabs as "\t", \'hh bytes decoded with the document's code page
 * (\ansicpg, 1252 when absent), \uN characters, destinations that are not
 * text (font and colour tables, pictures, \* groups) left out.  HTML
 * encapsulated by Outlook (\fromhtml) gives the HTML's text.  Never
 * fails: what cannot be read is skipped.  Caller frees.
 */
char *mbx_rtf_to_text(const void *rtf, size_t len);

/* The text of an HTML document as UTF-8 (tags dropped, block elements
 * and <br> as line breaks, entities decoded, <script>/<style>/<head>
 * left out).  Caller frees. */
char *mbx_html_to_text(const char *html, size_t len);

#ifdef __cplusplus
}
#endif
#endif
