# plugins/html/plugin.mk - the html renderer links only libm (rounding of
# coordinates); its output file comes from plugins/support (support_out.c).
html_LIBS := -lm
html_SUPPORT := yes
