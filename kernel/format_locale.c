/*
 * format_locale.c - the locales fmt_value() knows: number symbols, month
 * and weekday names (from CLDR's "format" forms), and the lookup with
 * fallback from "de-AT" to "de" to en-US (see format.h).
 *
 * Digits are always ASCII (also for ar and he); grouping separators are
 * the ones CLDR gives for Latin digits: U+202F narrow no-break space for
 * French, U+2019 for Swiss German, U+00A0 for European Portuguese.
 */
#include "format.h"

#include <stddef.h>

#define NNBSP    "\xE2\x80\xAF" /* U+202F */
#define NBSP     "\xC2\xA0"     /* U+00A0 */
#define PERMILLE "\xE2\x80\xB0"

static const fmt_locale locales[] = {
    {"en-US",
     ".",
     ",",
     "-",
     "%",
     PERMILLE,
     {"January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"},
     {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
     {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
     {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
     "AM",
     "PM",
     0},
    {"en-GB",
     ".",
     ",",
     "-",
     "%",
     PERMILLE,
     {"January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"},
     {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"},
     {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
     {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
     "am",
     "pm",
     0},
    {"de",
     ",",
     ".",
     "-",
     "%",
     PERMILLE,
     {"Januar", "Februar", "M\xC3\xA4rz", "April", "Mai", "Juni", "Juli", "August", "September",
      "Oktober", "November", "Dezember"},
     {"Jan.", "Feb.", "M\xC3\xA4rz", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
      "Dez."},
     {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"},
     {"Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."},
     "AM",
     "PM",
     0},
    {"de-CH",
     ".",
     "\xE2\x80\x99",
     "-",
     "%",
     PERMILLE,
     {"Januar", "Februar", "M\xC3\xA4rz", "April", "Mai", "Juni", "Juli", "August", "September",
      "Oktober", "November", "Dezember"},
     {"Jan.", "Feb.", "M\xC3\xA4rz", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
      "Dez."},
     {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"},
     {"Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."},
     "AM",
     "PM",
     0},
    {"fr",
     ",",
     NNBSP,
     "-",
     "%",
     PERMILLE,
     {"janvier", "f\xC3\xA9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\xC3\xBBt",
      "septembre", "octobre", "novembre",
      "d\xC3\xA9"
      "cembre"},
     {"janv.", "f\xC3\xA9vr.", "mars", "avr.", "mai", "juin", "juil.", "ao\xC3\xBBt", "sept.",
      "oct.", "nov.",
      "d\xC3\xA9"
      "c."},
     {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"},
     {"lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."},
     "AM",
     "PM",
     0},
    {"es",
     ",",
     ".",
     "-",
     "%",
     PERMILLE,
     {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
      "octubre", "noviembre", "diciembre"},
     {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
     {"lunes", "martes", "mi\xC3\xA9rcoles", "jueves", "viernes",
      "s\xC3\xA1"
      "bado",
      "domingo"},
     {"lun", "mar", "mi\xC3\xA9", "jue", "vie",
      "s\xC3\xA1"
      "b",
      "dom"},
     "a." NBSP "m.",
     "p." NBSP "m.",
     0},
    {"it",
     ",",
     ".",
     "-",
     "%",
     PERMILLE,
     {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
      "ottobre", "novembre", "dicembre"},
     {"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"},
     {"luned\xC3\xAC", "marted\xC3\xAC", "mercoled\xC3\xAC", "gioved\xC3\xAC", "venerd\xC3\xAC",
      "sabato", "domenica"},
     {"lun", "mar", "mer", "gio", "ven", "sab", "dom"},
     "AM",
     "PM",
     0},
    {"pt",
     ",",
     ".",
     "-",
     "%",
     PERMILLE,
     {"janeiro", "fevereiro", "mar\xC3\xA7o", "abril", "maio", "junho", "julho", "agosto",
      "setembro", "outubro", "novembro", "dezembro"},
     {"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.",
      "dez."},
     {"segunda-feira",
      "ter\xC3\xA7"
      "a-feira",
      "quarta-feira", "quinta-feira", "sexta-feira",
      "s\xC3\xA1"
      "bado",
      "domingo"},
     {"seg.", "ter.", "qua.", "qui.", "sex.",
      "s\xC3\xA1"
      "b.",
      "dom."},
     "AM",
     "PM",
     0},
    {"pt-PT",
     ",",
     NBSP,
     "-",
     "%",
     PERMILLE,
     {"janeiro", "fevereiro", "mar\xC3\xA7o", "abril", "maio", "junho", "julho", "agosto",
      "setembro", "outubro", "novembro", "dezembro"},
     {"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.",
      "dez."},
     {"segunda-feira",
      "ter\xC3\xA7"
      "a-feira",
      "quarta-feira", "quinta-feira", "sexta-feira",
      "s\xC3\xA1"
      "bado",
      "domingo"},
     {"segunda",
      "ter\xC3\xA7"
      "a",
      "quarta", "quinta", "sexta",
      "s\xC3\xA1"
      "bado",
      "domingo"},
     "da manh\xC3\xA3",
     "da tarde",
     0},
    {"nl",
     ",",
     ".",
     "-",
     "%",
     PERMILLE,
     {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
      "oktober", "november", "december"},
     {"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
     {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"},
     {"ma", "di", "wo", "do", "vr", "za", "zo"},
     "a.m.",
     "p.m.",
     0},
    /* Arabic and Hebrew, written out as UTF-8 escapes so the source stays
     * ASCII; the comments give the names. */
    {"ar",
     ".",
     ",",
     "-",
     "%",
     PERMILLE,
     {/* يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر */
      "\xD9\x8A\xD9\x86\xD8\xA7\xD9\x8A\xD8\xB1",
      "\xD9\x81\xD8\xA8\xD8\xB1\xD8\xA7\xD9\x8A\xD8\xB1", "\xD9\x85\xD8\xA7\xD8\xB1\xD8\xB3",
      "\xD8\xA3\xD8\xA8\xD8\xB1\xD9\x8A\xD9\x84", "\xD9\x85\xD8\xA7\xD9\x8A\xD9\x88",
      "\xD9\x8A\xD9\x88\xD9\x86\xD9\x8A\xD9\x88", "\xD9\x8A\xD9\x88\xD9\x84\xD9\x8A\xD9\x88",
      "\xD8\xA3\xD8\xBA\xD8\xB3\xD8\xB7\xD8\xB3",
      "\xD8\xB3\xD8\xA8\xD8\xAA\xD9\x85\xD8\xA8\xD8\xB1",
      "\xD8\xA3\xD9\x83\xD8\xAA\xD9\x88\xD8\xA8\xD8\xB1",
      "\xD9\x86\xD9\x88\xD9\x81\xD9\x85\xD8\xA8\xD8\xB1",
      "\xD8\xAF\xD9\x8A\xD8\xB3\xD9\x85\xD8\xA8\xD8\xB1"},
     {"\xD9\x8A\xD9\x86\xD8\xA7\xD9\x8A\xD8\xB1",
      "\xD9\x81\xD8\xA8\xD8\xB1\xD8\xA7\xD9\x8A\xD8\xB1", "\xD9\x85\xD8\xA7\xD8\xB1\xD8\xB3",
      "\xD8\xA3\xD8\xA8\xD8\xB1\xD9\x8A\xD9\x84", "\xD9\x85\xD8\xA7\xD9\x8A\xD9\x88",
      "\xD9\x8A\xD9\x88\xD9\x86\xD9\x8A\xD9\x88", "\xD9\x8A\xD9\x88\xD9\x84\xD9\x8A\xD9\x88",
      "\xD8\xA3\xD8\xBA\xD8\xB3\xD8\xB7\xD8\xB3",
      "\xD8\xB3\xD8\xA8\xD8\xAA\xD9\x85\xD8\xA8\xD8\xB1",
      "\xD8\xA3\xD9\x83\xD8\xAA\xD9\x88\xD8\xA8\xD8\xB1",
      "\xD9\x86\xD9\x88\xD9\x81\xD9\x85\xD8\xA8\xD8\xB1",
      "\xD8\xAF\xD9\x8A\xD8\xB3\xD9\x85\xD8\xA8\xD8\xB1"},
     {/* الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد */
      "\xD8\xA7\xD9\x84\xD8\xA7\xD8\xAB\xD9\x86\xD9\x8A\xD9\x86",
      "\xD8\xA7\xD9\x84\xD8\xAB\xD9\x84\xD8\xA7\xD8\xAB\xD8\xA7\xD8\xA1",
      "\xD8\xA7\xD9\x84\xD8\xA3\xD8\xB1\xD8\xA8\xD8\xB9\xD8\xA7\xD8\xA1",
      "\xD8\xA7\xD9\x84\xD8\xAE\xD9\x85\xD9\x8A\xD8\xB3",
      "\xD8\xA7\xD9\x84\xD8\xAC\xD9\x85\xD8\xB9\xD8\xA9",
      "\xD8\xA7\xD9\x84\xD8\xB3\xD8\xA8\xD8\xAA", "\xD8\xA7\xD9\x84\xD8\xA3\xD8\xAD\xD8\xAF"},
     {"\xD8\xA7\xD9\x84\xD8\xA7\xD8\xAB\xD9\x86\xD9\x8A\xD9\x86",
      "\xD8\xA7\xD9\x84\xD8\xAB\xD9\x84\xD8\xA7\xD8\xAB\xD8\xA7\xD8\xA1",
      "\xD8\xA7\xD9\x84\xD8\xA3\xD8\xB1\xD8\xA8\xD8\xB9\xD8\xA7\xD8\xA1",
      "\xD8\xA7\xD9\x84\xD8\xAE\xD9\x85\xD9\x8A\xD8\xB3",
      "\xD8\xA7\xD9\x84\xD8\xAC\xD9\x85\xD8\xB9\xD8\xA9",
      "\xD8\xA7\xD9\x84\xD8\xB3\xD8\xA8\xD8\xAA", "\xD8\xA7\xD9\x84\xD8\xA3\xD8\xAD\xD8\xAF"},
     /* ص م */
     "\xD8\xB5",
     "\xD9\x85",
     1},
    {"he",
     ".",
     ",",
     "-",
     "%",
     PERMILLE,
     {/* ינואר פברואר מרץ אפריל מאי יוני יולי אוגוסט ספטמבר אוקטובר נובמבר דצמבר */
      "\xD7\x99\xD7\xA0\xD7\x95\xD7\x90\xD7\xA8",
      "\xD7\xA4\xD7\x91\xD7\xA8\xD7\x95\xD7\x90\xD7\xA8", "\xD7\x9E\xD7\xA8\xD7\xA5",
      "\xD7\x90\xD7\xA4\xD7\xA8\xD7\x99\xD7\x9C", "\xD7\x9E\xD7\x90\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\xA0\xD7\x99", "\xD7\x99\xD7\x95\xD7\x9C\xD7\x99",
      "\xD7\x90\xD7\x95\xD7\x92\xD7\x95\xD7\xA1\xD7\x98",
      "\xD7\xA1\xD7\xA4\xD7\x98\xD7\x9E\xD7\x91\xD7\xA8",
      "\xD7\x90\xD7\x95\xD7\xA7\xD7\x98\xD7\x95\xD7\x91\xD7\xA8",
      "\xD7\xA0\xD7\x95\xD7\x91\xD7\x9E\xD7\x91\xD7\xA8",
      "\xD7\x93\xD7\xA6\xD7\x9E\xD7\x91\xD7\xA8"},
     {/* ינו׳ פבר׳ מרץ אפר׳ מאי יוני יולי אוג׳ ספט׳ אוק׳ נוב׳ דצמ׳ */
      "\xD7\x99\xD7\xA0\xD7\x95\xD7\xB3", "\xD7\xA4\xD7\x91\xD7\xA8\xD7\xB3",
      "\xD7\x9E\xD7\xA8\xD7\xA5", "\xD7\x90\xD7\xA4\xD7\xA8\xD7\xB3", "\xD7\x9E\xD7\x90\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\xA0\xD7\x99", "\xD7\x99\xD7\x95\xD7\x9C\xD7\x99",
      "\xD7\x90\xD7\x95\xD7\x92\xD7\xB3", "\xD7\xA1\xD7\xA4\xD7\x98\xD7\xB3",
      "\xD7\x90\xD7\x95\xD7\xA7\xD7\xB3", "\xD7\xA0\xD7\x95\xD7\x91\xD7\xB3",
      "\xD7\x93\xD7\xA6\xD7\x9E\xD7\xB3"},
     {/* יום שני ... יום ראשון */
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\xA9\xD7\xA0\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\xA9\xD7\x9C\xD7\x99\xD7\xA9\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\xA8\xD7\x91\xD7\x99\xD7\xA2\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\x97\xD7\x9E\xD7\x99\xD7\xA9\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\xA9\xD7\x99\xD7\xA9\xD7\x99",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\xA9\xD7\x91\xD7\xAA",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\xA8\xD7\x90\xD7\xA9\xD7\x95\xD7\x9F"},
     {/* יום ב׳ ... שבת, יום א׳ */
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\x91\xD7\xB3", "\xD7\x99\xD7\x95\xD7\x9D \xD7\x92\xD7\xB3",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\x93\xD7\xB3", "\xD7\x99\xD7\x95\xD7\x9D \xD7\x94\xD7\xB3",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\x95\xD7\xB3", "\xD7\xA9\xD7\x91\xD7\xAA",
      "\xD7\x99\xD7\x95\xD7\x9D \xD7\x90\xD7\xB3"},
     /* לפנה״צ אחה״צ */
     "\xD7\x9C\xD7\xA4\xD7\xA0\xD7\x94\xD7\xB4\xD7\xA6",
     "\xD7\x90\xD7\x97\xD7\x94\xD7\xB4\xD7\xA6",
     1},
};

#define NLOCALES (sizeof(locales) / sizeof(locales[0]))

/* ASCII case-insensitive comparison of a[0..n) with the whole of b, where
 * '_' in a counts as '-'. */
static int tag_equal(const char *a, size_t n, const char *b)
{
    size_t i = 0;

    for (; i < n && b[i] != '\0'; i++) {
        char x = a[i] == '_' ? '-' : a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return i == n && b[i] == '\0';
}

static const fmt_locale *find(const char *tag, size_t n)
{
    for (size_t i = 0; i < NLOCALES; i++) {
        if (tag_equal(tag, n, locales[i].tag))
            return &locales[i];
    }
    return NULL;
}

const fmt_locale *fmt_locale_get(const char *bcp47)
{
    const fmt_locale *loc;
    size_t n = 0, lang = 0;

    if (bcp47 == NULL || bcp47[0] == '\0')
        return &locales[0];
    while (bcp47[n] != '\0' && n < 64)
        n++;
    loc = find(bcp47, n);
    if (loc != NULL)
        return loc;
    while (lang < n && bcp47[lang] != '-' && bcp47[lang] != '_')
        lang++;
    if (tag_equal(bcp47, lang, "en"))
        return &locales[0];
    loc = find(bcp47, lang);
    return loc != NULL ? loc : &locales[0];
}
