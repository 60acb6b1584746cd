# plugins/pdf/plugin.mk - the pdf renderer draws with libharu (libhpdf-dev)
# and decodes PNG images itself with libpng (libpng-dev): libharu's own PNG
# loader aborts the process on a corrupt file.
pdf_CFLAGS := $(shell pkg-config --cflags libpng)
pdf_LIBS := -lhpdf $(shell pkg-config --libs libpng) -lm
