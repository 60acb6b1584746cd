/*
 * html_css.c - the document's one stylesheet.
 *
 * On screen each page is a white card centred on a grey background, as wide
 * as the page at most and narrower on a phone; tables scroll sideways in
 * their own box rather than widening the page. In print each card is one
 * sheet of the report's page size (@page, no margins: the report's margins
 * are inside the page) and starts a new sheet.
 *
 * Fonts: one class .fN per document font, naming its family with a generic
 * fallback, its weight and style. Kerning is off because the kernel measured
 * the lines without it. With embed_fonts the TrueType files themselves are
 * embedded (@font-face with a data: URI), so the text is drawn with exactly
 * the glyphs the kernel measured, whatever the reader has installed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "html.h"

/* The rules that do not depend on the document. Sizes in pt follow the
 * report; sizes in px/rem/vw are for the screen around it. */
static const char base_css[] =
    "*,*::before,*::after{box-sizing:border-box}\n"
    "html{background:#e6e6e6;-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
    "body{margin:0;padding:16px 8px;color:#000;line-height:1.25;font-kerning:none;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    ".page{position:relative;background:#fff;margin:0 auto 16px;"
    "padding:24pt clamp(10px,5vw,var(--pad,36pt));"
    "box-shadow:0 1px 4px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden;"
    "overflow-wrap:anywhere}\n"
    ".page>*{position:relative}\n"
    ".page>.background{position:absolute;inset:0;pointer-events:none}\n"
    ".page>.background svg{display:block;width:100%;height:auto}\n"
    ".group.continued::before{content:attr(aria-label);display:block;color:#767676;"
    "font-size:smaller}\n"
    ".page>footer.page-furniture{margin-top:auto}\n"
    "h1,h2,h3,h4,h5,h6,p{margin:0}\n"
    ".band,.title,.summary,.group-footer,.page-furniture,.group-head{margin:3pt 0}\n"
    "h1,h2,h3,h4,h5,h6{margin:6pt 0 3pt}\n"
    ".row{display:flex;flex-wrap:wrap;align-items:baseline;column-gap:1em}\n"
    ".al-r{text-align:right}.al-c{text-align:center}.al-j{text-align:justify}\n"
    ".row>.al-l{margin-right:auto}.row>.al-r{margin-left:auto}"
    ".row>.al-c{margin-left:auto;margin-right:auto}\n"
    ".clip{display:inline-block;max-width:100%;overflow:hidden;white-space:nowrap;"
    "vertical-align:bottom}\n"
    ".art{display:block;max-width:100%;height:auto;margin:3pt 0}\n"
    ".tablewrap{overflow-x:auto;max-width:100%;margin:3pt 0}\n"
    "table{border-collapse:collapse}\n"
    "th,td{padding:1.5pt 4pt;text-align:start;vertical-align:top;font-weight:inherit;"
    "white-space:nowrap;overflow-wrap:normal}\n"
    "th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;"
    "overflow-wrap:normal}\n"
    "td .art{margin:0}\n"
    ".group{margin:0}\n"
    /* Charts: the SVG scales with its figure; marks show where focus is;
     * a series the reader turned off is gone, its legend entry dimmed. */
    ".q-chart{margin:3pt 0;max-width:100%}\n"
    ".q-chart>svg{display:block;width:100%;height:auto;overflow:visible;direction:ltr}\n"
    ".q-charts{display:flex;flex-wrap:wrap;gap:6pt}\n"
    ".q-chart g:focus{outline:none}\n"
    ".q-chart g:focus-visible{outline:2px solid #0b57d0;outline-offset:1px}\n"
    ".q-chart .q-mark:focus-visible>*{stroke:#0b57d0;stroke-width:1.5px}\n"
    /* A line or area drawn over its points must not take their hover; a
     * point's shapes take it even unpainted (a line chart's invisible hit
     * circle). */
    ".q-chart .q-series{pointer-events:none}.q-chart .q-mark>*{pointer-events:all}\n"
    ".q-chart .q-legend{cursor:pointer}\n"
    ".q-chart .q-legend[aria-pressed=false]{opacity:.35}\n"
    ".q-chart .q-off{display:none}\n"
    ".q-chart-data{margin-top:3pt;font-size:9pt}\n"
    ".q-chart-data summary{cursor:pointer;color:#444}\n"
    ".q-chart-data thead th{font-weight:700;border-bottom:1px solid #999}\n"
    ".q-tip{position:absolute;z-index:10;pointer-events:none;max-width:20em;padding:3px 6px;"
    "border-radius:3px;background:#222;color:#fff;font:12px/1.3 sans-serif;"
    "box-shadow:0 1px 3px rgba(0,0,0,.4)}\n"
    "@media (max-width:480px){body{padding:8px 4px}}\n";

/* ============================== Fonts ===================================== */

const char *html_css_generic(const char *family)
{
    static const char *const mono[] = {"mono", "courier", "code", "console", "typewriter"};
    static const char *const serif[] = {"serif",    "times",    "roman", "georgia",
                                        "garamond", "palatino", "book"};
    char lower[128];
    size_t n = 0;

    if (family == NULL)
        return "sans-serif";
    for (; family[n] != '\0' && n < sizeof(lower) - 1; n++)
        lower[n] = (char)(family[n] >= 'A' && family[n] <= 'Z' ? family[n] + 32 : family[n]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof(mono) / sizeof(mono[0]); i++)
        if (strstr(lower, mono[i]) != NULL)
            return "monospace";
    if (strstr(lower, "sans") != NULL)
        return "sans-serif";
    for (size_t i = 0; i < sizeof(serif) / sizeof(serif[0]); i++)
        if (strstr(lower, serif[i]) != NULL)
            return "serif";
    return "sans-serif";
}

/* A family name as a CSS string: quotes and backslashes escaped, '<' too
 * so nothing in it can close the <style> element, controls dropped. */
static void css_string(html_out *out, const char *s)
{
    html_out_puts(out, "\"");
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"')
            html_out_puts(out, "\\22 ");
        else if (c == '\\')
            html_out_puts(out, "\\5c ");
        else if (c == '<')
            html_out_puts(out, "\\3c ");
        else if (c >= 0x20 && c != 0x7f)
            html_out_write(out, s, 1);
    }
    html_out_puts(out, "\"");
}

/* Checks the font file's magic and writes it as base64. */
static int embed_font_file(html_doc *d, const char *path, quire_error *err)
{
    const quire_host *host = d->host;
    unsigned char buf[3 * 4096];
    struct stat st;
    size_t n;
    FILE *fp = fopen(path, "rb");

    if (fp == NULL || fstat(fileno(fp), &st) != 0) {
        char why[128];
        int errnum = errno;
        if (fp != NULL)
            fclose(fp);
        if (strerror_r(errnum, why, sizeof(why)) != 0)
            snprintf(why, sizeof(why), "error %d", errnum);
        host->error_set(err, QUIRE_E_IO, "cannot read font '%s': %s", path, why);
        return QUIRE_ERR;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > HTML_MAX_FONT_BYTES) {
        host->error_set(err, QUIRE_E_INVALID, "font '%s' is not a regular file of at most %u MiB",
                        path, HTML_MAX_FONT_BYTES >> 20);
        goto fail_close;
    }
    n = fread(buf, 1, 4, fp);
    if (n < 4 || !(memcmp(buf, "\0\1\0\0", 4) == 0 || memcmp(buf, "true", 4) == 0 ||
                   memcmp(buf, "OTTO", 4) == 0)) {
        host->error_set(err, QUIRE_E_INVALID, "font '%s' is not a TrueType or OpenType file", path);
        goto fail_close;
    }
    /* Whole multiples of 3 bytes keep the base64 stream continuous. */
    while (n < sizeof(buf)) {
        size_t got = fread(buf + n, 1, sizeof(buf) - n, fp);
        n += got;
        if (n == sizeof(buf)) {
            html_out_base64(d->out, buf, n);
            n = 0;
        }
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        host->error_set(err, QUIRE_E_IO, "cannot read font '%s': read error", path);
        goto fail_close;
    }
    html_out_base64(d->out, buf, n);
    fclose(fp);
    return QUIRE_OK;

fail_close:
    fclose(fp);
    return QUIRE_ERR;
}

/* @font-face rules: one per distinct (file, style); font i uses "qfJ" where
 * J is the first font with the same file and style. */
static int write_font_faces(html_doc *d, quire_error *err)
{
    const quire_document *doc = &d->doc;

    for (size_t i = 0; i < doc->nfonts; i++) {
        const quire_font *f = &doc->fonts[i];
        size_t j = 0;
        if (f->path == NULL || f->path[0] == '\0') {
            d->host->error_set(err, QUIRE_E_INVALID, "font %zu (%s) has no file to embed", i,
                               f->family ? f->family : "no family");
            return QUIRE_ERR;
        }
        while (j < i &&
               !(strcmp(doc->fonts[j].path, f->path) == 0 && doc->fonts[j].style == f->style))
            j++;
        if (j < i)
            continue;
        html_out_fmt(d->out,
                     "@font-face{font-family:\"qf%zu\";font-weight:%d;font-style:%s;"
                     "src:url(data:font/ttf;base64,",
                     i, (f->style & QUIRE_FONT_BOLD) ? 700 : 400,
                     (f->style & QUIRE_FONT_ITALIC) ? "italic" : "normal");
        if (embed_font_file(d, f->path, err) != QUIRE_OK)
            return QUIRE_ERR;
        html_out_puts(d->out, ") format(\"truetype\")}\n");
    }
    return QUIRE_OK;
}

/* .fN{font-family:...;font-weight:...;font-style:...} for every font. */
static void write_font_classes(html_doc *d)
{
    const quire_document *doc = &d->doc;

    for (size_t i = 0; i < doc->nfonts; i++) {
        const quire_font *f = &doc->fonts[i];
        html_out_fmt(d->out, ".f%zu{font-family:", i);
        if (d->embed_fonts) {
            size_t j = 0;
            while (j < i &&
                   !(strcmp(doc->fonts[j].path, f->path) == 0 && doc->fonts[j].style == f->style))
                j++;
            html_out_fmt(d->out, "\"qf%zu\",", j);
        }
        if (f->family != NULL && f->family[0] != '\0') {
            css_string(d->out, f->family);
            html_out_puts(d->out, ",");
        }
        html_out_fmt(d->out, "%s;font-weight:%d;font-style:%s}\n", html_css_generic(f->family),
                     (f->style & QUIRE_FONT_BOLD) ? 700 : 400,
                     (f->style & QUIRE_FONT_ITALIC) ? "italic" : "normal");
    }
}

/* ============================== Stylesheet ================================ */

int html_css_write(html_doc *d, quire_error *err)
{
    html_out *out = d->out;
    double w = d->doc.page_width > 0 ? d->doc.page_width : 595.28;
    double h = d->doc.page_height > 0 ? d->doc.page_height : 841.89;

    html_out_puts(out, "<style>\n");
    if (d->embed_fonts && write_font_faces(d, err) != QUIRE_OK)
        return QUIRE_ERR;
    html_out_puts(out, base_css);
    /* Every text names its font class; the body's family only serves
     * what a reader's tools add (find bars, selections, notes). */
    if (d->doc.nfonts > 0 && d->doc.fonts[0].family != NULL) {
        html_out_puts(out, "body{font-family:");
        css_string(out, d->doc.fonts[0].family);
        html_out_fmt(out, ",%s}\n", html_css_generic(d->doc.fonts[0].family));
    }
    html_out_puts(out, ".page{max-width:");
    html_out_num(out, w);
    html_out_puts(out, "pt}\n");
    write_font_classes(d);
    html_out_puts(out, "@page{size:");
    html_out_num(out, w);
    html_out_puts(out, "pt ");
    html_out_num(out, h);
    html_out_puts(out, "pt;margin:0}\n"
                       "@media print{html,body{background:none;margin:0;padding:0}"
                       ".page{margin:0;box-shadow:none;max-width:none;min-height:");
    /* A hair under the sheet so rounding never spills onto a blank one. */
    html_out_num(out, h - 1);
    html_out_puts(out, "pt;padding:var(--top,24pt) var(--pad,36pt);break-after:page}"
                       ".page:last-of-type{break-after:auto}"
                       ".tablewrap{overflow:visible}.group.continued::before{display:none}"
                       ".q-tip{display:none}.q-chart{break-inside:avoid}}\n"
                       "</style>\n");
    return support_out_error(out, err);
}
