#!/usr/bin/env bash
# scripts/manpage.sh WEFT: writes weft(1) in roff on stdout, generated from the --help of WEFT and of every command
# under it, so the man page never says anything the binary does not. Used by scripts/package.sh.
set -euo pipefail
weft=$1
version=$("$weft" --version)

# Roff-escapes one line: backslashes, and a leading dot or quote that roff would take for a request.
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }

# The command names listed under "Commands:" of one --help: the first word of each entry, aliases dropped.
subcommands() { "$weft" "$@" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{sub(/^  /, ""); sub(/[ ,<].*/, ""); print}'; }

# One section per command: its description, usage and options, as --help prints them.
section() {
  local help; help=$("$weft" "$@" --help)
  printf '.SS "weft %s"\n' "$*"
  printf '%s\n' "$help" | awk '/^Description:/{d=1; next} /^$/{d=0} d{sub(/^  /, ""); print}' | esc
  printf '.PP\n.nf\n'
  printf '%s\n' "$help" | awk '/^Usage:/{u=1; next} /^$/{u=0} u{sub(/^  /, ""); print}' | esc
  printf '%s\n' "$help" | awk '/^(Options|Arguments):/{o=1; print; next} /^Commands:/{o=0} o' | esc
  printf '.fi\n'
  local sub
  for sub in $(subcommands "$@"); do section "$@" "$sub"; done
}

cat <<ROFF
.TH WEFT 1 "" "weft $version" "User Commands"
.SH NAME
weft \\- container networks across Linux hosts, carried in VXLAN
.SH SYNOPSIS
.B weft
.I command
.RI [ options ]
.SH DESCRIPTION
ROFF
"$weft" --help | awk '/^Description:/{d=1; next} /^$/{d=0} d{sub(/^  /, ""); print}' | esc
cat <<'ROFF'
.PP
One executable is the CLI (a client of the local agent's API on /run/weft/weft.sock), the agent itself
(\fBweft agent\fR, run by systemd as \fBweft.service\fR with settings from \fI/etc/default/weft\fR),
the lab of simulated hosts (\fBweft lab\fR) and the packet capture (\fBweft capture\fR).
Every command refuses options it does not know, prints tables for people and, with
\fB\-\-format json\fR, the API's JSON for scripts.
.SH COMMANDS
ROFF
for cmd in $(subcommands); do section "$cmd"; done
cat <<'ROFF'
.SH FILES
.TP
.I /etc/default/weft
Settings of the agent started by systemd: WEFT_OPTS (the store, the advertise address, …).
.TP
.I /run/weft/weft.sock
The agent's local API.
.TP
.I /var/lib/weft
The host's id, and the embedded store when one is used.
.SH SEE ALSO
.BR ip-netns (8),
.BR bridge (8),
.BR systemctl (1);
/usr/share/doc/weft/install.md
ROFF
