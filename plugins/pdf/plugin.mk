# plugins/pdf/plugin.mk - the pdf renderer draws with libharu (libhpdf-dev)
# and decodes PNG images itself with libpng (libpng-dev): libharu's own PNG
# loader aborts the process on a corrupt file. zlib (zlib1g-dev) deflates
# page content, which the plugin writes itself. The output file comes from
# plugins/support (support_out.c).
pdf_CFLAGS := $(shell pkg-config --cflags libpng zlib)
pdf_LIBS := -lhpdf $(shell pkg-config --libs libpng zlib) -lm
pdf_SUPPORT := yes
