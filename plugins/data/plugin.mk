# plugins/data/plugin.mk - the data renderer writes its file through the
# shared output helper in plugins/support (support_out.c).
data_SUPPORT := yes
