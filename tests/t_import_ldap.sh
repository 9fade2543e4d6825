#!/bin/sh
# tests/t_import_ldap.sh - import-directory from a live directory server and
# export-directory --ldap, against slapd servers this test starts itself
# (tests/ldap/lib.sh; Active Directory's attributes from
# tests/ldap/ad-exchange.schema):
#   - 10,000 users through a server that answers at most 500 entries per
#     request: paged, all of them imported; an account whose searches the
#     server cuts short fails and applies nothing;
#   - anonymous and authenticated binds, the password from a private file,
#     from MBX_LDAP_PASSWORD, never from the command line;
#   - the AD mapping: legacyExchangeDN and binary msExchMailboxGuid link
#     store mailboxes, msExchHideFromAddressLists, contacts and groups;
#   - every bad input (wrong password, nothing listening, TLS, base DN,
#     filter, URI): exit 2, one line on stderr naming the server, the
#     store unchanged;
#   - the adjuster's entries added to the server, read back with
#     ldapsearch, idempotent, differences reported;
#   - ldaps:// and StartTLS with a CA of the test's own (when openssl is there).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/ldap/lib.sh"
TS="mbxldap$$"
t_cleanup() {
	slapd_stop_all
	tmux -L "$TS" -f /dev/null kill-server >/dev/null 2>&1
	rm -rf "$T_TMP"
}
trap 'exit 1' INT TERM HUP

DB=$(demo_db) || skip_all "can not create the demo store"
N=10000
USERS="ou=Users,$LDAP_SUFFIX"

# RGarcia's mailbox GUID from a scratch copy of the demo server (the
# adjuster's LDIF names it), as the 16 bytes AD stores (first three fields
# little-endian), base64 for LDIF.
"$MBX" --db "$T_TMP/scratch.db" --reset-demo >/dev/null 2>&1 &&
	"$MBX" --db "$T_TMP/scratch.db" adjust --create-mailboxes >/dev/null 2>&1 &&
	"$MBX" --db "$T_TMP/scratch.db" export-directory --created-by-adjuster >"$T_TMP/scratch.ldif" ||
	skip_all "can not prepare the demo data"
GUID=$(awk '/^ / { line = line substr($0, 2); next } { if (line != "") print line; line = $0 } END { print line }' \
	"$T_TMP/scratch.ldif" | sed -n 's/^description: Exchange mailbox RGarcia;.*mailbox GUID \([0-9a-f-]*\);.*/\1/p')
[ -n "$GUID" ] || skip_all "no GUID for RGarcia in the demo data"
GUID64=$(printf "$(echo "$GUID" | tr -d - | awk '{
	h = substr($0,7,2) substr($0,5,2) substr($0,3,2) substr($0,1,2) substr($0,11,2) substr($0,9,2) \
	    substr($0,15,2) substr($0,13,2) substr($0,17)
	for (i = 1; i <= 32; i += 2)
		printf "\\%03o", (index("0123456789abcdef", substr(h,i,1)) - 1) * 16 + index("0123456789abcdef", substr(h,i+1,1)) - 1
}')" | base64)

{
	ldap_gen_users $N
	cat <<EOF
dn: cn=Smith\, John,$USERS
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Smith, John
sn: Smith
displayName: Smith, John
sAMAccountName: jsmith
mailNickname: JSmith
mail: jsmith@contoso.com
legacyExchangeDN: /o=Contoso/ou=HQ/cn=Recipients/cn=JSmith
msExchHideFromAddressLists: TRUE

dn: cn=Rosa Garcia,$USERS
objectClass: user
cn: Rosa Garcia
sn: Garcia
displayName:: R2FyY8OtYSwgUm9zYQ==
sAMAccountName: rosa.garcia
mail: rgarcia@contoso.com
msExchMailboxGuid:: $GUID64

dn: cn=Vendor Contact,$USERS
objectClass: contact
cn: Vendor Contact
sn: Contact
mailNickname: VContact
mail: contact@vendor.example

dn: cn=Sales,$USERS
objectClass: group
cn: Sales
sAMAccountName: Sales
mail: sales@contoso.com

dn: uid=ipers,$USERS
objectClass: inetOrgPerson
objectClass: msExchRecipient
uid: ipers
cn: Ines Pers
sn: Pers

dn: cn=PC01,$USERS
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
objectClass: computer
cn: PC01
sn: PC01
sAMAccountName: PC01\$

dn: ou=Restored,$LDAP_SUFFIX
objectClass: organizationalUnit
ou: Restored

dn: uid=reader,ou=Service,$LDAP_SUFFIX
objectClass: inetOrgPerson
uid: reader
cn: reader
sn: reader
userPassword: reader-secret-2

dn: uid=limited,ou=Service,$LDAP_SUFFIX
objectClass: inetOrgPerson
uid: limited
cn: limited
sn: limited
userPassword: limited-secret-3
EOF
} >"$T_TMP/data.ldif"
# This account's searches are cut after 500 entries, paged or not.
echo "limits dn.exact=\"uid=limited,ou=Service,$LDAP_SUFFIX\" size.soft=500 size.hard=500 size.prtotal=500" \
	>"$T_TMP/limits.conf"
slapd_start main "$T_TMP/data.ldif" "$T_TMP/limits.conf" || skip_all "slapd does not start here"
URL=$SLAPD_URL
TOTAL=$((N + 5))
orphans() { "$MBX" --db "$DB" check 2>/dev/null | grep -c 'orphaned-mailbox'; }
printf 'reader-secret-2\n' >"$T_TMP/reader.pw"
chmod 600 "$T_TMP/reader.pw"
printf '%s\n' "$LDAP_ROOTPW" >"$T_TMP/root.pw"
chmod 600 "$T_TMP/root.pw"
# one_line DESC: the failure said one thing, on one line, naming the server
one_line() {
	check "$1: one line on stderr" test "$(wc -l <"$T_TMP/err")" -eq 1
	check "$1: nothing on stdout" test ! -s "$T_TMP/out"
}

# ---- Paged import, anonymous ----------------------------------------------
check "a plain search is cut at 500 entries by this server" sh -c \
	"ldapsearch -x -LLL -H '$URL' -b '$USERS' '(objectClass=user)' 1.1 2>&1 | grep -q 'Size limit exceeded'"
before=$(orphans)
expect_status 0 "anonymous dry run of $TOTAL entries" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --dry-run
check "every entry, read in pages" grep -q "^$URL: $TOTAL created, 0 updated, 0 skipped (dry run: nothing was changed)$" "$T_TMP/out"
check "the last user is there" grep -q "^cn=User $N,$USERS: created u$N: no store mailbox$" "$T_TMP/out"
check "the dry run changed nothing" test "$(orphans)" -eq "$before"
expect_status 0 "anonymous import" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS"
check "all $TOTAL created" grep -q "^$URL: $TOTAL created, 0 updated, 0 skipped$" "$T_TMP/out"
check "nothing on stderr" test ! -s "$T_TMP/err"
# (slapd writes the comma in the RDN as \2C)
check "legacyExchangeDN links the store mailbox" grep -q "^cn=Smith.*John,$USERS: created JSmith: linked to store mailbox /o=Contoso/ou=HQ/cn=Recipients/cn=JSmith$" "$T_TMP/out"
check "binary msExchMailboxGuid links the store mailbox" grep -q "^cn=Rosa Garcia,$USERS: created rosa.garcia: linked to store mailbox /o=Contoso/ou=HQ/cn=Recipients/cn=RGarcia$" "$T_TMP/out"
check "a contact" grep -q "^cn=Vendor Contact,$USERS: created VContact: no store mailbox$" "$T_TMP/out"
check "a group" grep -q "^cn=Sales,$USERS: created Sales: no store mailbox$" "$T_TMP/out"
check "inetOrgPerson: the alias from uid" grep -q "^uid=ipers,$USERS: created ipers" "$T_TMP/out"
check "two orphaned mailboxes are linked now" test "$(orphans)" -eq $((before - 2))
check "AD computer accounts are not searched for" sh -c "! grep -q PC01 '$T_TMP/out'"
expect_status 0 "a filter that selects a computer account" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --filter '(objectClass=computer)' --dry-run
check "it is no recipient" grep -q "^cn=PC01,$USERS: skipped: not a recipient (objectClass computer)$" "$T_TMP/out"

# ---- Authenticated binds ----------------------------------------------------
expect_status 0 "bind with --password-file" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" \
	--bind-dn "uid=reader,ou=Service,$LDAP_SUFFIX" --password-file "$T_TMP/reader.pw"
check "the same entries again: all unchanged" grep -q "^$URL: 0 created, 0 updated, $TOTAL skipped$" "$T_TMP/out"
MBX_LDAP_PASSWORD=reader-secret-2 expect_status 0 "bind with MBX_LDAP_PASSWORD and --filter" "$MBX" --db "$DB" \
	import-directory "$URL" --base "$USERS" --bind-dn "uid=reader,ou=Service,$LDAP_SUFFIX" --filter '(sAMAccountName=u0000*)'
check "the filter selects nine users" grep -q "^$URL: 0 created, 0 updated, 9 skipped$" "$T_TMP/out"
printf 'dn: cn=Smith\\, John,%s\nchangetype: modify\nreplace: msExchHideFromAddressLists\nmsExchHideFromAddressLists: FALSE\n' "$USERS" |
	ldapmodify -x -H "$URL" -D "$LDAP_ROOTDN" -w "$LDAP_ROOTPW" >/dev/null 2>&1
expect_status 0 "the rootdn bind" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" \
	--bind-dn "$LDAP_ROOTDN" --password-file "$T_TMP/root.pw" --filter '(sAMAccountName=jsmith)'
check "msExchHideFromAddressLists is the hidden flag" grep -q "updated JSmith: hidden$" "$T_TMP/out"

# ---- The password: never on the command line, never readable by others ------
chmod 644 "$T_TMP/reader.pw"
expect_status 2 "a password file others can read is refused" "$MBX" --db "$DB" import-directory "$URL" \
	--base "$USERS" --bind-dn "uid=reader,ou=Service,$LDAP_SUFFIX" --password-file "$T_TMP/reader.pw"
check "says how to fix it" grep -q "can be read by other users (mode 0644); make it private: chmod 600" "$T_TMP/err"
one_line "world-readable password file"
chmod 600 "$T_TMP/reader.pw"
expect_status 2 "no password and no terminal" sh -c "'$MBX' --db '$DB' import-directory '$URL' --base '$USERS' \
	--bind-dn 'uid=reader,ou=Service,$LDAP_SUFFIX' </dev/null"
check "says where a password comes from" grep -q "give --password-file FILE (mode 0600), set MBX_LDAP_PASSWORD" "$T_TMP/err"
expect_status 2 "--password-file without --bind-dn" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --password-file "$T_TMP/reader.pw"
expect_status 2 "no --base" "$MBX" --db "$DB" import-directory "$URL"
check "asks for the base" grep -q -- "--base DN" "$T_TMP/err"
expect_status 2 "LDAP options with a file" "$MBX" --db "$DB" import-directory "$T_TMP/data.ldif" --base "$USERS"
expect_status 2 "a bad --timeout" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --timeout soon

# ---- Bad input: exit 2, one line naming the server, nothing changed -----------
printf 'dn: cn=User 00001,%s\nchangetype: modify\nreplace: displayName\ndisplayName: Changed 00001\n' "$USERS" |
	ldapmodify -x -H "$URL" -D "$LDAP_ROOTDN" -w "$LDAP_ROOTPW" >/dev/null 2>&1
MBX_LDAP_PASSWORD=wrong expect_status 2 "a wrong password" "$MBX" --db "$DB" import-directory "$URL" \
	--base "$USERS" --bind-dn "uid=reader,ou=Service,$LDAP_SUFFIX"
check "names the server and what to do" grep -q "^mbxrescue: $URL: the bind failed: Invalid credentials; check --bind-dn and the password$" "$T_TMP/err"
one_line "wrong password"
# A port nothing listens on: this server's, once it is stopped.
slapd_start dead "$T_TMP/data.ldif" >/dev/null 2>&1 || true
DEAD=${SLAPD_URL:-ldap://127.0.0.1:1}
slapd_stop dead
expect_status 2 "nothing listening" "$MBX" --db "$DB" import-directory "$DEAD" --base "$USERS" --timeout 5
check "says it can not reach the server" grep -q "^mbxrescue: $DEAD: connecting failed: Can't contact LDAP server; check the host and port" "$T_TMP/err"
one_line "nothing listening"
expect_status 2 "a base DN that does not exist" "$MBX" --db "$DB" import-directory "$URL" --base "ou=Nobody,$LDAP_SUFFIX"
check "says which part exists" grep -q "^mbxrescue: $URL: the base DN 'ou=Nobody,$LDAP_SUFFIX' does not exist on the server (it has '$LDAP_SUFFIX'); check --base$" "$T_TMP/err"
one_line "bad base DN"
expect_status 2 "a base that is no DN" "$MBX" --db "$DB" import-directory "$URL" --base "not a dn"
one_line "base not a DN"
expect_status 2 "a malformed filter" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --filter '(objectClass=user'
check "names the filter" grep -q "^mbxrescue: $URL: malformed filter '(objectClass=user'" "$T_TMP/err"
one_line "malformed filter"
expect_status 2 "a filter without parentheses" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --filter 'objectClass=user'
one_line "filter without parentheses"
for uri in "ldap://127.0.0.1:99999" "ldap://127.0.0.1/$USERS" "ldap://" "ldap://host?x"; do
	expect_status 2 "malformed URI $uri" "$MBX" --db "$DB" import-directory "$uri" --base "$USERS"
	one_line "malformed URI $uri"
done
expect_status 2 "ldapi:// is not a server we take" "$MBX" --db "$DB" import-directory "ldapi://%2Fsock" --base "$USERS"
expect_status 2 "--starttls against a server without TLS" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --starttls
check "says StartTLS failed" grep -q "^mbxrescue: $URL: StartTLS failed: .*the server does not offer TLS on this port" "$T_TMP/err"
one_line "StartTLS without TLS"
LDAPS=$(echo "$URL" | sed 's/^ldap:/ldaps:/')
expect_status 2 "ldaps:// to a port without TLS" "$MBX" --db "$DB" import-directory "$LDAPS" --base "$USERS" --timeout 5
check "says TLS failed" grep -q "^mbxrescue: $LDAPS: connecting (TLS) failed" "$T_TMP/err"
one_line "ldaps without TLS"
expect_status 2 "a search the server cuts short" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" \
	--bind-dn "uid=limited,ou=Service,$LDAP_SUFFIX" --password-file "$T_TMP/reader.pw"
check "(wrong password for limited: that is an error too)" grep -q "Invalid credentials" "$T_TMP/err"
printf 'limited-secret-3\n' >"$T_TMP/limited.pw"
chmod 600 "$T_TMP/limited.pw"
expect_status 2 "a search the server cuts short" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" \
	--bind-dn "uid=limited,ou=Service,$LDAP_SUFFIX" --password-file "$T_TMP/limited.pw"
check "says the server stopped it and nothing was applied" grep -q "^mbxrescue: $URL: the server stopped the search after 500 entries (size limit exceeded) although it was paged; nothing was applied" "$T_TMP/err"
check "no report lines for a search cut short" test ! -s "$T_TMP/out"
expect_status 0 "the change is still to be imported" "$MBX" --db "$DB" import-directory "$URL" --base "$USERS" --dry-run --filter '(sAMAccountName=u00001)'
check "so the cut search applied nothing" grep -q "updated u00001: display name" "$T_TMP/out"
check "no libldap noise in any of these" sh -c "! grep -q 'ldap_\|ber_' '$T_TMP/err'"

# ---- The password at a terminal: asked for, not echoed ------------------------
if command -v tmux >/dev/null 2>&1; then
	printf '#!/bin/sh\n"%s" --db "%s" import-directory "%s" --base "%s" --bind-dn "uid=reader,ou=Service,%s" --filter "(sAMAccountName=u00001)" --dry-run\necho "EXIT=$?"\nsleep 60\n' \
		"$MBX" "$DB" "$URL" "$USERS" "$LDAP_SUFFIX" >"$T_TMP/prompt.sh"
	tmux -L "$TS" -f /dev/null new-session -d -x 150 -y 12 "sh '$T_TMP/prompt.sh'"
	screen() { tmux -L "$TS" -f /dev/null capture-pane -p 2>/dev/null; }
	wait_for() { i=0; while [ $i -lt 100 ]; do screen | grep -q -F -- "$1" && return 0; sleep 0.1; i=$((i + 1)); done; screen | sed 's/^/#   | /'; return 1; }
	check "at a terminal the password is asked for" wait_for "Password for uid=reader,ou=Service,$LDAP_SUFFIX at $URL:"
	tmux -L "$TS" -f /dev/null send-keys -l "reader-secret-2"
	tmux -L "$TS" -f /dev/null send-keys Enter
	check "and the bind works" wait_for "EXIT=0"
	check "the password was not echoed" sh -c "! tmux -L '$TS' -f /dev/null capture-pane -p | grep -q reader-secret"
	tmux -L "$TS" -f /dev/null kill-server >/dev/null 2>&1
else
	echo "# tmux is not there: the prompt is not tried"
fi
# libldap's own LDIF parser prints nothing either.
printf 'dn: cn=x,%s\nobjectClass: user\ndisplayName:: @@@not base64\nsAMAccountName: x\n' "$USERS" >"$T_TMP/b64.ldif"
expect_status 2 "an LDIF value that is not base64" "$MBX" --db "$DB" import-directory "$T_TMP/b64.ldif"
check "only our line on stderr (no ldap_pvt_decode_b64_inplace)" test "$(cat "$T_TMP/err")" = "mbxrescue: $T_TMP/b64.ldif: 1 malformed entry; nothing was applied: correct the lines listed and import again"

# ---- export-directory --ldap: the adjuster's entries into the server ----------
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1
RESTORED="ou=Restored,$LDAP_SUFFIX"
expect_status 2 "an anonymous export is refused" "$MBX" --db "$DB" export-directory --created-by-adjuster --ldap "$URL" --base "$RESTORED"
check "says which option" grep -q -- "--bind-dn DN" "$T_TMP/err"
expect_status 0 "export to the server" "$MBX" --db "$DB" export-directory --created-by-adjuster --ldap "$URL" \
	--base "$RESTORED" --bind-dn "$LDAP_ROOTDN" --password-file "$T_TMP/root.pw"
check "one line per entry" grep -q "^cn=YTanaka,$RESTORED: added$" "$T_TMP/out"
check "summary" grep -q "^$URL: 3 added, 0 already there, 0 differ, 0 failed$" "$T_TMP/out"
ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -b "$RESTORED" '(objectClass=inetOrgPerson)' >"$T_TMP/back.ldif" 2>&1
check "ldapsearch reads three entries back" test "$(grep -c '^dn: ' "$T_TMP/back.ldif")" -eq 3
check "with the adjuster's values" grep -q "^description: Exchange mailbox YTanaka; legacyExchangeDN /o=Contoso/ou=HQ/cn=Recipients/cn=YTanaka;" "$T_TMP/back.ldif"
check "non-ASCII display names arrive intact" grep -q "^displayName:: $(printf 'Tanaka, Yuki (田中 由紀)' | base64 | tr -d '\n')$" "$T_TMP/back.ldif"
"$MBX" --db "$DB" export-directory --created-by-adjuster --base "$RESTORED" >"$T_TMP/adj.ldif"
check "the same DNs as the LDIF export" test "$(grep '^dn: ' "$T_TMP/adj.ldif" | sort)" = "$(grep '^dn: ' "$T_TMP/back.ldif" | sort)"
expect_status 0 "export again" "$MBX" --db "$DB" export-directory --created-by-adjuster --ldap "$URL" \
	--base "$RESTORED" --bind-dn "$LDAP_ROOTDN" --password-file "$T_TMP/root.pw"
check "is idempotent" grep -q "^$URL: 0 added, 3 already there, 0 differ, 0 failed$" "$T_TMP/out"
check "each entry exists" grep -q "^cn=JMueller,$RESTORED: exists$" "$T_TMP/out"
ldapsearch -x -LLL -H "$URL" -b "$RESTORED" '(objectClass=inetOrgPerson)' 1.1 >"$T_TMP/back2" 2>&1
check "still three entries" test "$(grep -c '^dn: ' "$T_TMP/back2")" -eq 3
printf 'dn: cn=LNasser,%s\nchangetype: modify\nreplace: mail\nmail: someone@else.example\n' "$RESTORED" |
	ldapmodify -x -H "$URL" -D "$LDAP_ROOTDN" -w "$LDAP_ROOTPW" >/dev/null 2>&1
expect_status 1 "an entry that differs" "$MBX" --db "$DB" export-directory --created-by-adjuster --ldap "$URL" \
	--base "$RESTORED" --bind-dn "$LDAP_ROOTDN" --password-file "$T_TMP/root.pw"
check "says what differs and that it was left alone" grep -q "^cn=LNasser,$RESTORED: exists but differs (left unchanged): mail is 'someone@else.example' there, 'LNasser@contoso.com' here$" "$T_TMP/out"
check "the server's value stays" sh -c "ldapsearch -x -LLL -H '$URL' -b 'cn=LNasser,$RESTORED' mail | grep -q 'someone@else.example'"
expect_status 2 "export below a base that does not exist" "$MBX" --db "$DB" export-directory --created-by-adjuster \
	--ldap "$URL" --base "ou=Nobody,$LDAP_SUFFIX" --bind-dn "$LDAP_ROOTDN" --password-file "$T_TMP/root.pw"
one_line "export to a missing base"
MBX_LDAP_PASSWORD=wrong expect_status 2 "export with a wrong password" "$MBX" --db "$DB" export-directory --created-by-adjuster \
	--ldap "$URL" --base "$RESTORED" --bind-dn "$LDAP_ROOTDN"
one_line "export with a wrong password"
expect_status 2 "--out and --ldap together" "$MBX" --db "$DB" export-directory --created-by-adjuster --ldap "$URL" --out "$T_TMP/x.ldif" --base "$RESTORED"
slapd_stop main

# ---- TLS with a CA of our own ----------------------------------------------
if ldap_make_certs "$T_TMP/certs"; then
	ldap_gen_users 20 >"$T_TMP/small.ldif"
	if slapd_start tls "$T_TMP/small.ldif" "" "$T_TMP/certs"; then
		expect_status 0 "ldaps:// with --ca-file" "$MBX" --db "$DB" import-directory "$SLAPD_URLS" --base "$USERS" \
			--ca-file "$T_TMP/certs/ca.pem" --dry-run
		check "reads the entries" grep -q "^$SLAPD_URLS: 0 created, 0 updated, 20 skipped" "$T_TMP/out"
		expect_status 0 "StartTLS with --ca-file" "$MBX" --db "$DB" import-directory "$SLAPD_URL" --starttls --base "$USERS" \
			--ca-file "$T_TMP/certs/ca.pem" --dry-run
		expect_status 2 "ldaps:// with a certificate nobody vouches for" "$MBX" --db "$DB" import-directory "$SLAPD_URLS" --base "$USERS"
		check "says to give the CA" grep -q "^mbxrescue: $SLAPD_URLS: connecting (TLS) failed: .*--ca-file CA.pem" "$T_TMP/err"
		one_line "untrusted certificate"
		ldap_make_certs "$T_TMP/other"
		expect_status 2 "StartTLS with another CA" "$MBX" --db "$DB" import-directory "$SLAPD_URL" --starttls --base "$USERS" \
			--ca-file "$T_TMP/other/ca.pem"
		check "asks whether it is the right CA" grep -q "is the --ca-file the CA that signed it" "$T_TMP/err"
		one_line "wrong CA"
		expect_status 2 "a CA file that is not there" "$MBX" --db "$DB" import-directory "$SLAPD_URLS" --base "$USERS" --ca-file "$T_TMP/none.pem"
		one_line "missing CA file"
		slapd_stop tls
	else
		not_ok "a slapd with TLS starts"
	fi
else
	echo "# openssl is not there: no TLS server"
fi
done_testing
