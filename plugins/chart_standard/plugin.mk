# plugins/chart_standard/plugin.mk - the standard chart provider needs libm
# (nice ticks, arcs, trend lines).
chart_standard_LIBS := -lm
