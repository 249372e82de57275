# see top Makefile.am
