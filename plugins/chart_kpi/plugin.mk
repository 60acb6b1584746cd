# plugins/chart_kpi/plugin.mk - the kpi chart provider needs only libm
# (arcs, nice numbers).
chart_kpi_LIBS := -lm
