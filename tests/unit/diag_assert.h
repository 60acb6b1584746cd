/*
 * diag_assert.h - the cmocka assertion the config tests share: a diag list
 * holds exactly these error lines, in this order.
 *
 *   DIAG_IS(&d, "conf/quire.conf:3: ...", "conf/quire.conf:7: ...");
 *
 * Include after <cmocka.h> and "diag.h".
 */
#ifndef QUIRE_TEST_DIAG_ASSERT_H
#define QUIRE_TEST_DIAG_ASSERT_H

/* Asserts that `d` holds exactly the NULL-terminated lines `expected`, all
 * of them errors. */
static void assert_diag(const diag *d, const char *const *expected)
{
    size_t n = 0;

    while (expected[n] != NULL)
        n++;
    for (size_t i = 0; i < d->count && i < n; i++)
        assert_string_equal(d->items[i].text, expected[i]);
    assert_int_equal(d->count, n);
    assert_int_equal(d->errors, n);
}
#define DIAG_IS(d, ...) assert_diag((d), (const char *const[]){__VA_ARGS__, NULL})

#endif /* QUIRE_TEST_DIAG_ASSERT_H */
