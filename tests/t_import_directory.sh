#!/bin/sh
# tests/t_import_directory.sh - import-directory (LDIF as ldifde/slapcat write it,
# CSV as csvde writes it) and export-directory --created-by-adjuster.
# Malformed files: every error with its line number, nothing applied.
. "$top_srcdir/tests/lib.sh"

DB=$(demo_db) || skip_all "can not create the demo store"
orphans() { "$MBX" --db "$DB" check 2>/dev/null | grep -c 'orphaned-mailbox'; }

# ldifde-style LDIF: comment, changetype, base64 value, folded line, an OU to skip.
cat >"$T_TMP/good.ldif" <<'EOF'
# exported by ldifde
dn: CN=Rosa Garcia,OU=Users,DC=contoso,DC=com
changetype: add
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Rosa Garcia
displayName:: R2FyY8OtYSwgUm9zYQ==
mail: rgarcia@contoso.com
sAMAccountName: RGarcia
legacyExchangeDN: /o=Contoso/ou=HQ/cn=Recipients/cn=RGarcia

dn: CN=Juergen Mueller,OU=Users,DC=contoso,DC=com
objectClass: user
displayName: Müller,
  Jürgen
mail: jmueller@contoso.com
sAMAccountName: JMueller

dn: OU=Users,DC=contoso,DC=com
objectClass: organizationalUnit

dn: uid=newuser1,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: NewUser1
cn: New User
sn: User
mail: newuser1@example.org
EOF

before=$(orphans)
expect_status 0 "LDIF --dry-run succeeds" "$MBX" --db "$DB" import-directory "$T_TMP/good.ldif" --dry-run
check "dry run reports the creation at the entry's line" grep -q "good.ldif:2: created RGarcia: linked to store mailbox" "$T_TMP/out"
check "folded line and later entries keep their line numbers" grep -q "good.ldif:14: created JMueller" "$T_TMP/out"
check "an organizational unit is skipped with its line" grep -q "good.ldif:21: skipped: not a recipient (objectClass organizationalUnit)" "$T_TMP/out"
check "slapcat-style inetOrgPerson with uid" grep -q "good.ldif:24: created NewUser1: no store mailbox" "$T_TMP/out"
check "the summary says dry run" grep -q "3 created, 0 updated, 1 skipped (dry run" "$T_TMP/out"
check "dry run changed nothing" test "$(orphans)" -eq "$before"

expect_status 0 "LDIF import applies" "$MBX" --db "$DB" import-directory "$T_TMP/good.ldif"
check "two orphaned mailboxes are linked now" test "$(orphans)" -eq $((before - 2))
expect_status 0 "the same file again" "$MBX" --db "$DB" import-directory "$T_TMP/good.ldif"
check "base64 and folded values read back unchanged" grep -q "good.ldif:14: skipped JMueller: unchanged" "$T_TMP/out"
check "second import creates nothing" grep -q "0 created, 0 updated, 4 skipped" "$T_TMP/out"

# The same entry with the folded value unfolded and base64 decoded: unchanged.
cat >"$T_TMP/plain.ldif" <<'EOF'
dn: CN=Rosa Garcia,OU=Users,DC=contoso,DC=com
objectClass: user
displayName: García, Rosa
sAMAccountName: RGarcia

dn: CN=Juergen Mueller,OU=Users,DC=contoso,DC=com
objectClass: user
displayName: Müller, Jürgen
sAMAccountName: JMueller
EOF
expect_status 0 "plain values" "$MBX" --db "$DB" import-directory "$T_TMP/plain.ldif"
check "decoded base64 equals the plain text" grep -q "plain.ldif:1: skipped RGarcia: unchanged" "$T_TMP/out"
check "an unfolded value equals the folded one" grep -q "plain.ldif:6: skipped JMueller: unchanged" "$T_TMP/out"
sed 's/displayName: García, Rosa/displayName: Garcia-Lopez, Rosa/' "$T_TMP/plain.ldif" >"$T_TMP/upd.ldif"
expect_status 0 "a changed display name" "$MBX" --db "$DB" import-directory "$T_TMP/upd.ldif"
check "is reported as an update" grep -q "upd.ldif:1: updated RGarcia: display name" "$T_TMP/out"

# Malformed LDIF: all errors with line numbers, nothing applied.
cat >"$T_TMP/bad.ldif" <<'EOF'
dn: CN=New Two,DC=contoso,DC=com
objectClass: user
sAMAccountName: NewUser2

dn: CN=Broken,DC=contoso,DC=com
objectClass: user
this line has no colon
sAMAccountName: Broken

cn: no dn here
objectClass: user

dn: CN=Dup,DC=contoso,DC=com
objectClass: user
sAMAccountName: newuser2

dn: CN=Bad Guid,DC=contoso,DC=com
objectClass: user
sAMAccountName: BadGuid
msExchMailboxGuid:: AAEC
EOF
expect_status 2 "malformed LDIF is refused" "$MBX" --db "$DB" import-directory "$T_TMP/bad.ldif"
check "line without a colon" grep -q "bad.ldif:7: error: not an LDIF 'attribute: value' line" "$T_TMP/out"
check "entry without dn" grep -q "bad.ldif:10: error: an LDIF entry must start with 'dn:'" "$T_TMP/out"
check "duplicate alias names the first entry" grep -q "bad.ldif:13: error: alias 'newuser2' is already used by the entry at line 1" "$T_TMP/out"
check "bad GUID value" grep -q "bad.ldif:20: error: msExchMailboxGuid" "$T_TMP/out"
check "the error says nothing was applied" grep -q "4 malformed entries; nothing was applied" "$T_TMP/err"
head -3 "$T_TMP/bad.ldif" >"$T_TMP/only2.ldif"
expect_status 0 "the good entry alone" "$MBX" --db "$DB" import-directory "$T_TMP/only2.ldif" --dry-run
check "was not applied by the refused file" grep -q "only2.ldif:1: created NewUser2" "$T_TMP/out"

# csvde CSV: header row, quoted DN, X'hex' binary GUID, multi-valued ';'.
cat >"$T_TMP/good.csv" <<'EOF'
DN,objectClass,cn,displayName,mail,sAMAccountName,msExchMailboxGuid,proxyAddresses
"CN=Layla Nasser,OU=Users,DC=contoso,DC=com",user,Layla Nasser,"Nasser, Layla",lnasser@contoso.com,LNasser,X'00112233445566778899aabbccddeeff',SMTP:lnasser@contoso.com;smtp:layla@contoso.com
"CN=Sales,OU=Groups,DC=contoso,DC=com",group,Sales,Sales,sales@contoso.com,Sales,,
"CN=Printer,DC=contoso,DC=com",computer,Printer,,,PRN$,,
EOF
before=$(orphans)
expect_status 0 "csvde CSV import" "$MBX" --db "$DB" import-directory "$T_TMP/good.csv"
check "CSV row 2 links the orphaned mailbox" grep -q "good.csv:2: created LNasser: linked to store mailbox" "$T_TMP/out"
check "CSV group row" grep -q "good.csv:3: created Sales" "$T_TMP/out"
check "CSV computer row skipped" grep -q "good.csv:4: skipped: not a recipient (objectClass computer)" "$T_TMP/out"
check "one orphan fewer" test "$(orphans)" -eq $((before - 1))

cat >"$T_TMP/bad.csv" <<'EOF'
DN,objectClass,sAMAccountName
"CN=A,DC=x",user,NewCsvA
"CN=B,DC=x",user
"CN=C,DC=x",user,C"C
EOF
expect_status 2 "malformed CSV is refused" "$MBX" --db "$DB" import-directory "$T_TMP/bad.csv"
check "short row with its line" grep -q "bad.csv:3: error: 2 fields where the header row has 3" "$T_TMP/out"
check "stray quote with its line" grep -q "bad.csv:4: error: malformed CSV" "$T_TMP/out"
printf 'objectClass,cn\nuser,x\n' >"$T_TMP/nodn.csv"
expect_status 2 "CSV without a DN column" "$MBX" --db "$DB" import-directory "$T_TMP/nodn.csv"
check "the header error is on line 1" grep -q "nodn.csv:1: error: the header row has no 'DN' column" "$T_TMP/out"
head -2 "$T_TMP/bad.csv" >"$T_TMP/onlya.csv"
expect_status 0 "the good CSV row alone" "$MBX" --db "$DB" import-directory "$T_TMP/onlya.csv" --dry-run
check "was not applied by the refused file" grep -q "onlya.csv:2: created NewCsvA" "$T_TMP/out"
expect_status 2 "a missing file" "$MBX" --db "$DB" import-directory "$T_TMP/none.ldif"

# export-directory: the entries the adjuster created, as LDIF.
expect_status 2 "export-directory needs --created-by-adjuster" "$MBX" --db "$DB" export-directory
expect_status 0 "nothing created yet" "$MBX" --db "$DB" export-directory --created-by-adjuster
check "no entries before the adjuster ran" test "$(grep -c '^dn: ' "$T_TMP/out")" -eq 0
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1
expect_status 0 "export after the adjuster" "$MBX" --db "$DB" export-directory --created-by-adjuster --out "$T_TMP/adj.ldif"
check "entries written" grep -q "entr.* written to" "$T_TMP/out"
check "the file is private (0600)" test "$(stat -c %a "$T_TMP/adj.ldif")" = 600
check "default base from organization and site" grep -q "^dn: cn=JSmith,cn=Recipients,ou=HQ,o=Contoso$" "$T_TMP/adj.ldif"
check "changetype add for ldapadd/ldifde" grep -q "^changetype: add$" "$T_TMP/adj.ldif"
check "non-ASCII values are base64" grep -q "^displayName:: " "$T_TMP/adj.ldif"
expect_status 0 "--base DN" "$MBX" --db "$DB" export-directory --created-by-adjuster --base "ou=Restored,dc=contoso,dc=com"
check "entries below the given base" grep -q "^dn: cn=JSmith,ou=Restored,dc=contoso,dc=com$" "$T_TMP/out"
expect_status 0 "the exported LDIF imports again" "$MBX" --db "$DB" import-directory "$T_TMP/adj.ldif"
check "without creating duplicates" grep -q " 0 created," "$T_TMP/out"
done_testing
