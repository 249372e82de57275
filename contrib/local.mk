# SPDX-License-Identifier: Apache-2.0
# contrib/: the system settings file, bash completion, AppArmor profiles,
# Debian packaging (`make deb`) and the packaging tests.

# The settings file, $(sysconfdir)/child_process/child_process.conf: every
# setting commented out at its default (see child_process.conf(5)).
ncpsysconf_DATA += contrib/child_process.conf
EXTRA_DIST += contrib/child_process.conf

bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = contrib/bash-completion/ncp-run

# AppArmor profiles granting the abi 4.0 `userns` rule to ncp-run and the
# runner.  Installed only where this machine's AppArmor knows abi 4.0, found
# at install time (not by configure), so one build tree suits both kinds of
# machines; `make install APPARMOR_ABI_FILE=/dev/null` forces them in (for a
# package built elsewhere) and APPARMOR_ABI_FILE=/nonexistent leaves them out.
# AppArmor reads /etc/apparmor.d: with another --sysconfdir, copy them there
# or pass apparmordir=/etc/apparmor.d.
apparmordir = $(sysconfdir)/apparmor.d
APPARMOR_ABI_FILE = /etc/apparmor.d/abi/4.0
APPARMOR_PROFILES = ncp-run ncp-runner
EXTRA_DIST += contrib/apparmor/ncp-run.in contrib/apparmor/ncp-runner.in

install-data-hook: install-apparmor-profiles
install-apparmor-profiles:
	@if test -e '$(APPARMOR_ABI_FILE)'; then \
	  $(MKDIR_P) '$(DESTDIR)$(apparmordir)' || exit 1; \
	  for p in $(APPARMOR_PROFILES); do \
	    echo " INSTALL  $(DESTDIR)$(apparmordir)/$$p"; \
	    sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@ncplibexecdir[@]|$(ncplibexecdir)|g' \
	      '$(srcdir)/contrib/apparmor/'$$p.in > '$(DESTDIR)$(apparmordir)'/$$p.tmp \
	      && chmod 644 '$(DESTDIR)$(apparmordir)'/$$p.tmp \
	      && mv -f '$(DESTDIR)$(apparmordir)'/$$p.tmp '$(DESTDIR)$(apparmordir)'/$$p || exit 1; \
	  done; \
	  if test -z '$(DESTDIR)'; then \
	    echo "AppArmor: load the profiles with: apparmor_parser -r $(apparmordir)/ncp-run $(apparmordir)/ncp-runner"; \
	  fi; \
	else \
	  echo "AppArmor profiles not installed: $(APPARMOR_ABI_FILE) does not exist (no abi 4.0, no userns rule)"; \
	fi

uninstall-hook: uninstall-apparmor-profiles
uninstall-apparmor-profiles:
	@for p in $(APPARMOR_PROFILES); do \
	  rm -f '$(DESTDIR)$(apparmordir)'/$$p; \
	done

# ncp-sandbox.so is dlopen()ed by the runner, never executed: libtool installs
# modules 0755, Debian policy (and lintian) want shared objects 0644.
install-exec-hook: install-sandbox-mode
install-sandbox-mode:
	chmod a-x '$(DESTDIR)$(ncplibexecdir)/ncp-sandbox.so'

# `make uninstall` also takes away the directories `make install` made.
# Ours ($(ncplibexecdir), the header dirs, ...) go whenever they are empty;
# the standard ones ($(bindir), $(mandir)/man3, ... up to the prefix) only
# under a DESTDIR, a staging tree where the install created them: on a live
# system an empty /usr/local/bin was there before us and stays.  Deepest
# first, after the hooks that remove files of their own.
NCP_OWN_DIRS = $(ncplibexecdir) $(policydir) $(ncpdatadir) $(ncpsysconfdir) \
	$(abilityruntimedir) $(abilitykitdir) $(ipckitdir) $(cmakedir)
NCP_STD_DIRS = $(bindir) $(libdir) $(pkgconfigdir) $(libdir)/cmake $(libexecdir) $(includedir) \
	$(man1dir) $(man3dir) $(man5dir) $(mandir) $(bashcompletiondir) $(datadir)/bash-completion \
	$(apparmordir) $(datarootdir)/doc $(datadir) $(datarootdir) $(sysconfdir) $(exec_prefix) $(prefix)
uninstall-hook: uninstall-dirs
uninstall-dirs: uninstall-apparmor-profiles uninstall-man3-links
	@if test -d '$(DESTDIR)$(docdir)'; then \
	  find '$(DESTDIR)$(docdir)' -depth -type d -exec rmdir --ignore-fail-on-non-empty {} + || exit 1; \
	fi; \
	dirs='$(NCP_OWN_DIRS)'; test -z '$(DESTDIR)' || dirs="$$dirs $(NCP_STD_DIRS)"; \
	for d in `for d in $$dirs; do echo "$${#d} $$d"; done | sort -rn | cut -d' ' -f2- | uniq`; do \
	  if test -d '$(DESTDIR)'"$$d"; then rmdir '$(DESTDIR)'"$$d" 2>/dev/null || :; fi; \
	done; \
	if test -n '$(DESTDIR)'; then \
	  d='$(prefix)'; while d=`dirname "$$d"` && test "$$d" != / && test "$$d" != .; do \
	    rmdir '$(DESTDIR)'"$$d" 2>/dev/null || break; \
	  done; \
	fi

# Debian packages (libchild-process0, libchild-process-dev, ncp-run) from
# this tree's distribution tarball, which also serves as the .orig tarball:
# `make deb` leaves the source package and the .debs in $(DEB_BUILD_DIR).
# DEB_BUILD_OPTIONS=nocheck skips `make check` in the package build.
DEB_BUILD_DIR = $(abs_top_builddir)/deb-build
DEB_SOURCE = libchild-process
DEBIAN_FILES = \
	contrib/debian/changelog contrib/debian/control contrib/debian/copyright \
	contrib/debian/rules contrib/debian/source/format \
	contrib/debian/libchild-process0.install contrib/debian/libchild-process-dev.install \
	contrib/debian/ncp-run.install contrib/debian/not-installed \
	contrib/debian/libchild-process-dev.docs contrib/debian/ncp-run.docs \
	contrib/debian/libchild-process0.lintian-overrides contrib/debian/libchild-process-dev.lintian-overrides \
	contrib/debian/ncp-run.lintian-overrides \
	contrib/debian/tests/control contrib/debian/tests/build-example
EXTRA_DIST += $(DEBIAN_FILES)

deb: dist
	rm -rf '$(DEB_BUILD_DIR)'
	$(MKDIR_P) '$(DEB_BUILD_DIR)'
	cp $(distdir).tar.xz '$(DEB_BUILD_DIR)/$(DEB_SOURCE)_$(VERSION).orig.tar.xz'
	cd '$(DEB_BUILD_DIR)' && tar -xJf '$(DEB_SOURCE)_$(VERSION).orig.tar.xz'
	cp -R '$(DEB_BUILD_DIR)/$(distdir)/contrib/debian' '$(DEB_BUILD_DIR)/$(distdir)/debian'
	cd '$(DEB_BUILD_DIR)/$(distdir)' && dpkg-buildpackage -us -uc
	@echo "Debian packages in $(DEB_BUILD_DIR):"; ls '$(DEB_BUILD_DIR)'/*.deb

# The packages themselves (tests/packaging/deb.sh): lintian-clean, and the
# runtime package alone resolves dlopen("libchild_process.so").  Built with
# nocheck: `make check` tests the code, this the packaging.  .ci/run runs it.
check-deb:
	DEB_BUILD_OPTIONS="nocheck $${DEB_BUILD_OPTIONS:-}" $(MAKE) $(AM_MAKEFLAGS) deb
	$(SHELL) '$(srcdir)/tests/packaging/deb.sh' '$(DEB_BUILD_DIR)'
EXTRA_DIST += tests/packaging/deb.sh

clean-local: clean-deb
clean-deb:
	rm -rf '$(DEB_BUILD_DIR)'

.PHONY: install-apparmor-profiles uninstall-apparmor-profiles install-sandbox-mode uninstall-dirs deb check-deb clean-deb

# Every man page renders without warnings and keeps up with the code.
TESTS += tests/packaging/man-pages.sh
EXTRA_DIST += tests/packaging/man-pages.sh
# The layering rule of src/README.md holds in the sources.
TESTS += tests/packaging/layering.sh
EXTRA_DIST += tests/packaging/layering.sh
# README.md's C code compiles against the tree's headers and runs.
TESTS += tests/packaging/readme-code.sh
EXTRA_DIST += tests/packaging/readme-code.sh

# The licence: shipped in the tarball and installed with the docs; every
# source file names it in an SPDX line.
dist_doc_DATA += LICENSE
TESTS += tests/packaging/spdx.sh
EXTRA_DIST += tests/packaging/spdx.sh

# The tree stays tidy: no autoconf warning, no built program in `git status`.
# Last of all (after check-install), when everything the tests build exists.
TESTS += tests/packaging/tree-tidy.sh
EXTRA_DIST += tests/packaging/tree-tidy.sh
tests/packaging/tree-tidy.log: tests/install/check-install.log

# The CMake package beside the pkg-config files, $(libdir)/cmake/ChildProcess:
# find_package(ChildProcess) with the imported targets ChildProcess::child_process,
# ChildProcess::ipc_capi and ChildProcess::ability_runtime.  The files find
# everything relative to where they are installed (so a DESTDIR install or a
# moved tree works); what is substituted here is the include directory's
# path relative to them, the version and the pointer size.
cmakedir = $(libdir)/cmake/ChildProcess
cmake_DATA = contrib/cmake/ChildProcessConfig.cmake contrib/cmake/ChildProcessConfigVersion.cmake
EXTRA_DIST += contrib/cmake/ChildProcessConfig.cmake.in contrib/cmake/ChildProcessConfigVersion.cmake.in
CLEANFILES += $(cmake_DATA)
NCP_CMAKE_SUBST = $(MKDIR_P) contrib/cmake && \
	rel=`realpath -m --relative-to='$(cmakedir)' '$(includedir)'` && \
	ptr=`echo __SIZEOF_POINTER__ | $(CPP) $(CPPFLAGS) -P - | tr -d ' ' | grep -v '^$$' | tail -1` && \
	sed -e "s|@NCP_CMAKE_INCLUDEDIR_REL[@]|$$rel|g" -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	    -e "s|@NCP_SIZEOF_VOID_P[@]|$$ptr|g"
contrib/cmake/ChildProcessConfig.cmake: $(srcdir)/contrib/cmake/ChildProcessConfig.cmake.in Makefile
	$(AM_V_GEN)$(NCP_CMAKE_SUBST) '$(srcdir)/contrib/cmake/ChildProcessConfig.cmake.in' > $@.tmp && mv -f $@.tmp $@
contrib/cmake/ChildProcessConfigVersion.cmake: $(srcdir)/contrib/cmake/ChildProcessConfigVersion.cmake.in Makefile
	$(AM_V_GEN)$(NCP_CMAKE_SUBST) '$(srcdir)/contrib/cmake/ChildProcessConfigVersion.cmake.in' > $@.tmp && mv -f $@.tmp $@
# The CMake sample tests/install/check-install.sh builds against an install.
EXTRA_DIST += tests/install/cmake-sample/CMakeLists.txt tests/install/cmake-sample/infos.c

# The tarball ships every file git tracks but .gitignore and the .keep
# placeholders: a document, test or source added without its EXTRA_DIST
# (or _SOURCES) line fails `make dist` and `make distcheck` here, instead of
# a user's build.  Checked only from a git checkout.
dist-hook: dist-check-tracked
dist-check-tracked:
	@if test -e '$(srcdir)/.git' && command -v git >/dev/null 2>&1; then \
	  dir=`cd '$(distdir)' && pwd` || exit 1; \
	  missing=`cd '$(srcdir)' && git ls-files | grep -v -e '^\.gitignore$$' -e '/\.keep$$' | \
	    while read -r f; do test -e "$$dir/$$f" || echo "$$f"; done`; \
	  if test -n "$$missing"; then \
	    echo "make dist: files git tracks are missing from the tarball (add them to EXTRA_DIST):" $$missing >&2; \
	    exit 1; \
	  fi; \
	fi
.PHONY: dist-check-tracked
