# plugins/html/plugin.mk - the html renderer links only libm (rounding of
# coordinates); everything else is the C library.
html_LIBS := -lm
