/*
 * test_probe_cache.c - unit tests for the plugin probe cache
 * (kernel/probe_cache.c): the plugin_probe_cache setting and where "auto"
 * puts the file, the parser (what is accepted, what makes the whole file
 * ignored, and why), hits and misses on a file's stat identity, and saving:
 * only when something changed, dropping entries of files that are gone and
 * the least recently confirmed past 256. tests/integration/probe_cache.sh
 * checks the same cache through quire itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel.h"
#include "log.h"
#include "probe_cache.h"

/* ============================== Fixture =================================== */

static char tmp_dir[64];
static char header[128];

/* The first line as the format says it must be, built from the constants. */
static void make_header(void)
{
    snprintf(header, sizeof(header), "quire-probe-cache 1 quire %s abi %d.%d", QUIRE_VERSION,
             QUIRE_ABI_MAJOR, QUIRE_ABI_MINOR);
}

static int setup(void **state)
{
    (void)state;
    make_header();
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/quire-test-probe-cache-XXXXXX");
    return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* tmp_dir/NAME into buf. */
static const char *in_tmp(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmp_dir, name);
    return buf;
}

/* Creates an empty file and returns its stat. */
static struct stat make_file(const char *path)
{
    struct stat st;
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fclose(f);
    assert_int_equal(stat(path, &st), 0);
    return st;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* The whole file, malloc'd. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    assert_non_null(f);
    assert_non_null(buf);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static probe_cache *parser_only(void)
{
    probe_cache *c = probe_cache_open(NULL, 1, QUIRE_LOG_ERROR);
    assert_non_null(c);
    return c;
}

/* ============================== Settings ================================== */

static void test_setting_valid(void **state)
{
    (void)state;
    assert_true(probe_cache_setting_valid("auto"));
    assert_true(probe_cache_setting_valid("off"));
    assert_true(probe_cache_setting_valid(""));
    assert_true(probe_cache_setting_valid("/var/cache/quire/probes"));
    assert_false(probe_cache_setting_valid("cache/probes"));
    assert_false(probe_cache_setting_valid("./probes"));
    assert_false(probe_cache_setting_valid("~/.cache/probes"));
    assert_false(probe_cache_setting_valid("AUTO"));
    assert_false(probe_cache_setting_valid("no"));
}

static void check_resolve(const char *setting, const char *xdg, const char *home, const char *want,
                          int want_levels)
{
    char *path = (char *)"unset";
    int levels = -1;

    assert_int_equal(probe_cache_resolve(setting, xdg, home, &path, &levels), 0);
    if (want == NULL) {
        assert_null(path);
    } else {
        assert_non_null(path);
        assert_string_equal(path, want);
        assert_int_equal(levels, want_levels);
    }
    free(path);
}

static void test_resolve(void **state)
{
    (void)state;
    check_resolve("auto", "/x/cache", "/home/u", "/x/cache/quire/plugin-probes", 1);
    check_resolve("auto", "/x/cache/", "/home/u", "/x/cache/quire/plugin-probes", 1);
    /* Only an absolute XDG_CACHE_HOME counts (the XDG spec says so). */
    check_resolve("auto", "rel/cache", "/home/u", "/home/u/.cache/quire/plugin-probes", 2);
    check_resolve("auto", "", "/home/u", "/home/u/.cache/quire/plugin-probes", 2);
    check_resolve("auto", NULL, "/home/u", "/home/u/.cache/quire/plugin-probes", 2);
    check_resolve("auto", NULL, "home/u", NULL, 0);
    check_resolve("auto", NULL, NULL, NULL, 0);
    check_resolve("off", "/x/cache", "/home/u", NULL, 0);
    check_resolve("", "/x/cache", "/home/u", NULL, 0);
    check_resolve("/srv//quire/./probes", NULL, NULL, "/srv/quire/probes", 1);
}

/* ============================== Parsing =================================== */

static void test_parse_and_format(void **state)
{
    char text[1024], want[1024];
    probe_cache *c = parser_only();
    char why[256] = "";
    char *out;
    size_t len;

    (void)state;
    /* Out of path order, a negative mtime, a path with a space, the
     * largest device number. */
    snprintf(text, sizeof(text),
             "%s\n"
             "66305 1234 40960 1700000000 5 1700000001 999999999 1700000100 /usr/lib/z.so\n"
             "18446744073709551615 7 0 -86400 0 0 0 0 /opt/my plugins/a.so\n",
             header);
    assert_int_equal(probe_cache_parse(c, text, strlen(text), why, sizeof(why)), 0);
    assert_int_equal(probe_cache_count(c), 2);
    out = probe_cache_format(c, &len);
    assert_non_null(out);
    snprintf(want, sizeof(want),
             "%s\n"
             "18446744073709551615 7 0 -86400 0 0 0 0 /opt/my plugins/a.so\n"
             "66305 1234 40960 1700000000 5 1700000001 999999999 1700000100 /usr/lib/z.so\n",
             header);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);

    /* A header alone is an empty, valid cache. */
    snprintf(text, sizeof(text), "%s\n", header);
    assert_int_equal(probe_cache_parse(c, text, strlen(text), why, sizeof(why)), 0);
    assert_int_equal(probe_cache_count(c), 0);
    probe_cache_free(c);
}

/* `body` after the header line (NULL: `text` is the whole input) must be
 * refused with exactly `want`, leaving the cache empty. */
static void check_refused(probe_cache *c, const char *body, const char *want)
{
    char text[8192], why[512] = "";
    char good[256];

    /* A valid entry first, so that "left empty" is seen to empty it. */
    snprintf(good, sizeof(good), "%s\n1 2 3 4 5 6 7 8 /good.so\n", header);
    assert_int_equal(probe_cache_parse(c, good, strlen(good), why, sizeof(why)), 0);
    assert_int_equal(probe_cache_count(c), 1);
    snprintf(text, sizeof(text), "%s\n%s", header, body);
    assert_int_equal(probe_cache_parse(c, text, strlen(text), why, sizeof(why)), -1);
    assert_string_equal(why, want);
    assert_int_equal(probe_cache_count(c), 0);
}

static void test_parse_refused(void **state)
{
    probe_cache *c = parser_only();
    char why[512] = "", text[256], want[512];
    char *many;
    size_t used;

    (void)state;
    check_refused(c, "1 2 3 4 5 6 7 /no-confirmed.so\n", "line 2: bad confirmed time field");
    check_refused(c, "1 2 3 4 1000000000 6 7 8 /p.so\n", "line 2: bad mtime nanoseconds field");
    check_refused(c, "1 2 3 4 5 6 1000000000 8 /p.so\n", "line 2: bad ctime nanoseconds field");
    check_refused(c, "18446744073709551616 2 3 4 5 6 7 8 /p.so\n", "line 2: bad device field");
    check_refused(c, "1 2 9223372036854775808 4 5 6 7 8 /p.so\n", "line 2: bad size field");
    check_refused(c, "1 +2 3 4 5 6 7 8 /p.so\n", "line 2: bad inode field");
    check_refused(c, "1  2 3 4 5 6 7 8 /p.so\n", "line 2: bad inode field");
    check_refused(c, "1 2 3 -4 5 -6 7 -8 /p.so\n", "line 2: bad confirmed time field");
    check_refused(c, "1 2 3 4 5 6 7 8\n", "line 2: bad confirmed time field");
    check_refused(c, "1 2 3 4 5 6 7 8 p.so\n",
                  "line 2: the path is not absolute or longer than 3072 bytes");
    check_refused(c, "1 2 3 4 5 6 7 8 \n",
                  "line 2: the path is not absolute or longer than 3072 bytes");
    check_refused(c, "\n", "line 2: bad device field");
    check_refused(c, "1 2 3 4 5 6 7 8 /a.so\n9 9 9 9 9 9 9 9 /a.so\n",
                  "line 3: a second entry for /a.so");

    /* Whole-file problems. */
    assert_int_equal(probe_cache_parse(c, "", 0, why, sizeof(why)), -1);
    assert_string_equal(why, "empty");
    snprintf(text, sizeof(text), "%s", header);
    assert_int_equal(probe_cache_parse(c, text, strlen(text), why, sizeof(why)), -1);
    assert_string_equal(why, "the last line has no newline");
    snprintf(text, sizeof(text), "%s\n1 2 3 4 5 6 7 8 /a\n", header);
    text[strlen(header) + 3] = '\0';
    assert_int_equal(probe_cache_parse(c, text, strlen(header) + 20, why, sizeof(why)), -1);
    assert_string_equal(why, "holds a NUL byte");
    snprintf(text, sizeof(text), "quire-probe-cache 1 quire 0.0.1 abi 1.0\n");
    assert_int_equal(probe_cache_parse(c, text, strlen(text), why, sizeof(why)), -1);
    snprintf(want, sizeof(want),
             "line 1: written by another quire or plugin ABI ('quire-probe-cache 1 quire 0.0.1 "
             "abi 1.0'; this one writes '%s')",
             header);
    assert_string_equal(why, want);
    snprintf(text, sizeof(text), "%s \n", header);
    assert_int_equal(probe_cache_parse(c, text, strlen(text), why, sizeof(why)), -1);
    assert_true(strncmp(why, "line 1: written by another", 26) == 0);

    /* 256 entries are fine, 257 are not. */
    many = malloc(300 * 64);
    assert_non_null(many);
    used = (size_t)sprintf(many, "%s\n", header);
    for (int i = 0; i < 257; i++)
        used += (size_t)sprintf(many + used, "1 2 3 4 5 6 7 8 /p%d.so\n", i);
    assert_int_equal(
        probe_cache_parse(c, many, used - strlen("1 2 3 4 5 6 7 8 /p256.so\n"), why, sizeof(why)),
        0);
    assert_int_equal(probe_cache_count(c), 256);
    assert_int_equal(probe_cache_parse(c, many, used, why, sizeof(why)), -1);
    assert_string_equal(why, "line 258: more than 256 entries");
    assert_int_equal(probe_cache_count(c), 0);
    free(many);
    probe_cache_free(c);
}

/* ============================== Lookups =================================== */

static void test_lookup_and_record(void **state)
{
    char a[256], b[256], cwd[4096];
    struct stat sa, sb, changed;
    probe_cache *c = parser_only();

    (void)state;
    sa = make_file(in_tmp(a, sizeof(a), "a.so"));
    sb = make_file(in_tmp(b, sizeof(b), "b.so"));
    assert_int_equal(probe_cache_lookup(c, a, &sa, 1000), 0);
    assert_int_equal(probe_cache_record(c, a, &sa, 1000), 0);
    assert_int_equal(probe_cache_record(c, b, &sb, 1000), 0);
    assert_int_equal(probe_cache_count(c), 2);
    assert_int_equal(probe_cache_lookup(c, a, &sa, 1001), 1);
    /* The key is the normalised absolute path. */
    {
        char messy[300];
        snprintf(messy, sizeof(messy), "%s/./x/../a.so", tmp_dir);
        assert_int_equal(probe_cache_lookup(c, messy, &sa, 1001), 1);
    }
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmp_dir), 0);
    assert_int_equal(probe_cache_lookup(c, "a.so", &sa, 1001), 1);
    assert_int_equal(chdir(cwd), 0);
    /* Each part of the identity counts; a changed file's entry is dropped. */
    changed = sb;
    changed.st_ctim.tv_nsec = (changed.st_ctim.tv_nsec + 1) % 1000000000;
    assert_int_equal(probe_cache_lookup(c, b, &changed, 1001), 0);
    assert_int_equal(probe_cache_count(c), 1);
    assert_int_equal(probe_cache_lookup(c, b, &sb, 1001), 0);
    changed = sa;
    changed.st_size++;
    assert_int_equal(probe_cache_lookup(c, a, &changed, 1001), 0);
    assert_int_equal(probe_cache_count(c), 0);
    /* Forget drops a recorded entry. */
    assert_int_equal(probe_cache_record(c, a, &sa, 1002), 0);
    probe_cache_forget(c, a);
    probe_cache_forget(c, a);
    assert_int_equal(probe_cache_lookup(c, a, &sa, 1003), 0);
    /* NULL caches are always a miss and accept everything. */
    assert_int_equal(probe_cache_lookup(NULL, a, &sa, 1), 0);
    assert_int_equal(probe_cache_record(NULL, a, &sa, 1), 0);
    probe_cache_forget(NULL, a);
    assert_int_equal(probe_cache_save(NULL), 0);
    probe_cache_free(c);
}

/* ============================== Saving ==================================== */

static ino_t inode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

static void test_save_only_when_changed(void **state)
{
    char a[256], path[256], want[1024];
    struct stat sa, st;
    probe_cache *c;
    char *text;
    ino_t ino;

    (void)state;
    sa = make_file(in_tmp(a, sizeof(a), "s.so"));
    in_tmp(path, sizeof(path), "sub/probes");
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_non_null(c);
    assert_int_equal(probe_cache_record(c, a, &sa, 5000), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    text = read_text(path);
    snprintf(want, sizeof(want), "%s\n%llu %llu 0 %lld %ld %lld %ld 5000 %s\n", header,
             (unsigned long long)sa.st_dev, (unsigned long long)sa.st_ino,
             (long long)sa.st_mtim.tv_sec, (long)sa.st_mtim.tv_nsec, (long long)sa.st_ctim.tv_sec,
             (long)sa.st_ctim.tv_nsec, a);
    assert_string_equal(text, want);
    free(text);
    {
        char sub[256];
        assert_int_equal(stat(in_tmp(sub, sizeof(sub), "sub"), &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
    }

    /* A hit less than a day later: nothing to write (the file, renamed
     * over, would have a new inode). */
    ino = inode_of(path);
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_count(c), 1);
    assert_int_equal(probe_cache_lookup(c, a, &sa, 5000 + PROBE_CACHE_REFRESH_SECONDS - 1), 1);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    assert_true(inode_of(path) == ino);

    /* A day later: the confirmed time is written. */
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_lookup(c, a, &sa, 5000 + PROBE_CACHE_REFRESH_SECONDS), 1);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    assert_true(inode_of(path) != ino);
    text = read_text(path);
    assert_non_null(strstr(text, " 91400 /"));
    free(text);

    /* Recording what is already there, as config check does, changes nothing. */
    ino = inode_of(path);
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_record(c, a, &sa, 91401), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    assert_true(inode_of(path) == ino);
}

static void test_save_drops_gone_and_oldest(void **state)
{
    char path[256], f[256];
    struct stat st[PROBE_CACHE_MAX_ENTRIES + 2];
    probe_cache *c;

    (void)state;
    assert_int_equal(mkdir(in_tmp(f, sizeof(f), "many"), 0700), 0);
    in_tmp(path, sizeof(path), "many.probes");
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    for (int i = 0; i < PROBE_CACHE_MAX_ENTRIES + 2; i++) {
        snprintf(f, sizeof(f), "%s/many/p%03d.so", tmp_dir, i);
        st[i] = make_file(f);
        assert_int_equal(probe_cache_record(c, f, &st[i], 1000 + i), 0);
    }
    /* 258 recorded; p000 is deleted, and of the 257 left p001 is the least
     * recently confirmed. */
    snprintf(f, sizeof(f), "%s/many/p000.so", tmp_dir);
    assert_int_equal(unlink(f), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);

    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_count(c), PROBE_CACHE_MAX_ENTRIES);
    snprintf(f, sizeof(f), "%s/many/p001.so", tmp_dir);
    assert_int_equal(probe_cache_lookup(c, f, &st[1], 2000), 0);
    snprintf(f, sizeof(f), "%s/many/p002.so", tmp_dir);
    assert_int_equal(probe_cache_lookup(c, f, &st[2], 2000), 1);
    snprintf(f, sizeof(f), "%s/many/p257.so", tmp_dir);
    assert_int_equal(probe_cache_lookup(c, f, &st[257], 2000), 1);
    probe_cache_free(c);
}

static void test_directories(void **state)
{
    char a[256], path[256], d[256];
    struct stat sa, st;
    probe_cache *c;

    (void)state;
    sa = make_file(in_tmp(a, sizeof(a), "d.so"));
    /* One level is created, not two... */
    in_tmp(path, sizeof(path), "one/two/probes");
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_record(c, a, &sa, 1), 0);
    assert_int_equal(probe_cache_save(c), -1);
    probe_cache_free(c);
    assert_int_not_equal(stat(in_tmp(d, sizeof(d), "one"), &st), 0);
    /* ...unless asked for (HOME/.cache/quire). */
    c = probe_cache_open(path, 2, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_record(c, a, &sa, 1), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    assert_int_equal(stat(in_tmp(d, sizeof(d), "one"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(path, &st), 0);
}

static void test_distrusted_files_are_left_alone(void **state)
{
    char a[256], path[256], good[512];
    struct stat sa;
    probe_cache *c;
    char *text;

    (void)state;
    sa = make_file(in_tmp(a, sizeof(a), "t.so"));
    in_tmp(path, sizeof(path), "distrusted");
    snprintf(good, sizeof(good), "%s\n1 2 3 4 5 6 7 8 /x.so\n", header);

    /* Group-writable: ignored (no entries) and never written. */
    write_text(path, good, 0620);
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_count(c), 0);
    assert_int_equal(probe_cache_record(c, a, &sa, 1), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    text = read_text(path);
    assert_string_equal(text, good);
    free(text);

    /* Private again: read. */
    assert_int_equal(chmod(path, 0600), 0);
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_count(c), 1);
    probe_cache_free(c);

    /* A directory in its place. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_record(c, a, &sa, 1), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    assert_int_equal(rmdir(path), 0);

    /* Garbage of our own: ignored, and rewritten even with nothing new. */
    write_text(path, "garbage\n", 0600);
    c = probe_cache_open(path, 1, QUIRE_LOG_ERROR);
    assert_int_equal(probe_cache_count(c), 0);
    assert_int_equal(probe_cache_save(c), 0);
    probe_cache_free(c);
    text = read_text(path);
    snprintf(good, sizeof(good), "%s\n", header);
    assert_string_equal(text, good);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setting_valid),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_lookup_and_record),
        cmocka_unit_test(test_save_only_when_changed),
        cmocka_unit_test(test_save_drops_gone_and_oldest),
        cmocka_unit_test(test_directories),
        cmocka_unit_test(test_distrusted_files_are_left_alone),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
