# Debian packages the project's targets need are installed by the targets
# themselves: $(call apt_install,FILE,PACKAGES) installs PACKAGES unless
# FILE (a command on PATH, or a path) is already there, running apt-get
# update only if the first try fails (a fresh machine's package lists may
# be stale), and sudo unless root.
APT_SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
apt_install = { command -v $(1) >/dev/null 2>&1 || test -e $(1); } || { \
	echo "installing $(2) from Debian"; \
	$(APT_SUDO) apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $(2) >/dev/null || \
	{ $(APT_SUDO) apt-get update -o DPkg::Lock::Timeout=600 >/dev/null && $(APT_SUDO) apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $(2) >/dev/null; }; }
