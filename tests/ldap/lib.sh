# tests/ldap/lib.sh - throwaway OpenLDAP servers for tests and benchmarks
# (sourced after tests/lib.sh, or with T_TMP and skip_all defined).
#
#   slapd_start NAME DATA.ldif [CONF_EXTRA_FILE [TLS_DIR]]
#       a slapd of its own (its config, database and port) for suffix
#       dc=example,dc=org, loaded offline with slapadd; sets SLAPD_URL
#       (ldap://127.0.0.1:PORT) and, with TLS_DIR (ca.pem, server.pem,
#       server.key), SLAPD_URLS (ldaps://127.0.0.1:PORT2).  Global limits
#       like Active Directory's: 500 entries per request (size.soft/hard),
#       but paged searches may read everything (size.prtotal=unlimited).
#   slapd_stop NAME      stop it by the pid in its pidfile (slapd_stop_all
#                        from the EXIT trap stops every one still running)
#   ldap_gen_users N     LDIF of the base entries and N AD-style users
#
# The slapd binary is copied into the test directory when the installed
# one can not start there (AppArmor confines /usr/sbin/slapd by path on
# some systems); it runs as the current user, on a free port it picks.
LDAP_SUFFIX="dc=example,dc=org"
LDAP_ROOTDN="cn=admin,$LDAP_SUFFIX"
LDAP_ROOTPW="root-secret-1"
LDAP_SCHEMA_DIR=${LDAP_SCHEMA_DIR:-/etc/ldap/schema}
LDAP_MODULE_DIR=${LDAP_MODULE_DIR:-/usr/lib/ldap}
SLAPD=$(command -v slapd 2>/dev/null || echo /usr/sbin/slapd)
[ -x "$SLAPD" ] || skip_all "slapd is not installed (.ci/install-deps installs slapd and ldap-utils)"
command -v slapadd >/dev/null 2>&1 || [ -x /usr/sbin/slapadd ] || skip_all "slapadd is not installed"
SLAPADD=$(command -v slapadd 2>/dev/null || echo /usr/sbin/slapadd)
command -v ldapsearch >/dev/null 2>&1 || skip_all "ldapsearch is not installed (ldap-utils)"
[ -r "$LDAP_SCHEMA_DIR/inetorgperson.schema" ] || skip_all "no OpenLDAP schema in $LDAP_SCHEMA_DIR"
ls "$LDAP_MODULE_DIR"/back_mdb* >/dev/null 2>&1 || skip_all "no back_mdb module in $LDAP_MODULE_DIR"
SLAPD_NAMES=""

slapd_stop() {
	_pf="$T_TMP/slapd-$1/slapd.pid"
	[ -f "$_pf" ] || return 0
	_pid=$(cat "$_pf")
	kill "$_pid" 2>/dev/null || true
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -9 "$_pid" 2>/dev/null || true
	rm -f "$_pf"
}

slapd_stop_all() {
	for _n in $SLAPD_NAMES; do slapd_stop "$_n"; done
}

# A port nobody listens on now (a race, so slapd_start retries).
free_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
}

slapd_start() {
	_name=$1 _data=$2 _extra=${3:-} _tls=${4:-}
	_d="$T_TMP/slapd-$_name"
	rm -rf "$_d"
	mkdir -p "$_d/db"
	{
		for s in core cosine inetorgperson; do echo "include $LDAP_SCHEMA_DIR/$s.schema"; done
		echo "include $top_srcdir/tests/ldap/ad-exchange.schema"
		echo "pidfile $_d/slapd.pid"
		echo "argsfile $_d/slapd.args"
		echo "modulepath $LDAP_MODULE_DIR"
		echo "moduleload back_mdb"
		echo "sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited"
		if [ -n "$_tls" ]; then
			echo "TLSCACertificateFile $_tls/ca.pem"
			echo "TLSCertificateFile $_tls/server.pem"
			echo "TLSCertificateKeyFile $_tls/server.key"
		fi
		echo "database mdb"
		echo "maxsize 1073741824"
		echo "suffix \"$LDAP_SUFFIX\""
		echo "rootdn \"$LDAP_ROOTDN\""
		echo "rootpw $LDAP_ROOTPW"
		echo "directory $_d/db"
		echo "index objectClass eq"
		[ -n "$_extra" ] && cat "$_extra"
	} >"$_d/slapd.conf"
	"$SLAPADD" -q -f "$_d/slapd.conf" -l "$_data" >"$_d/slapadd.log" 2>&1 ||
		{ sed 's/^/# slapadd: /' "$_d/slapadd.log" | tail -5; return 1; }
	SLAPD_NAMES="$SLAPD_NAMES $_name"
	_bin=$SLAPD
	for _try in 1 2 3 4 5 6 7 8 9 10; do
		_port=$(free_port)
		_urls="ldap://127.0.0.1:$_port/"
		if [ -n "$_tls" ]; then _port2=$(free_port); _urls="$_urls ldaps://127.0.0.1:$_port2/"; fi
		# -d 0: in the foreground (its errors on our stderr file), no debug output.
		"$_bin" -f "$_d/slapd.conf" -h "$_urls" -d 0 >"$_d/slapd.log" 2>&1 &
		_i=0
		while [ $_i -lt 50 ]; do
			if ldapsearch -x -LLL -H "ldap://127.0.0.1:$_port" -b "" -s base \
			       '(objectClass=*)' 1.1 >/dev/null 2>&1; then
				SLAPD_URL="ldap://127.0.0.1:$_port"
				[ -n "$_tls" ] && SLAPD_URLS="ldaps://127.0.0.1:$_port2"
				return 0
			fi
			kill -0 $! 2>/dev/null || break
			sleep 0.1
			_i=$((_i + 1))
		done
		kill $! 2>/dev/null
		wait $! 2>/dev/null
		# Confined by path (AppArmor)?  A copy is not.
		if [ "$_bin" = "$SLAPD" ] && grep -qi "permission denied" "$_d/slapd.log"; then
			cp "$SLAPD" "$_d/slapd-copy" && _bin="$_d/slapd-copy"
		fi
	done
	sed 's/^/# slapd: /' "$_d/slapd.log" | tail -5
	return 1
}

# ldap_gen_users N: the suffix, ou=Users, ou=Service and N users u00001...
ldap_gen_users() {
	awk -v n="$1" -v suffix="$LDAP_SUFFIX" 'BEGIN {
		printf "dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n", suffix
		printf "dn: ou=Users,%s\nobjectClass: organizationalUnit\nou: Users\n\n", suffix
		printf "dn: ou=Service,%s\nobjectClass: organizationalUnit\nou: Service\n\n", suffix
		for (i = 1; i <= n; i++) {
			id = sprintf("u%05d", i)
			printf "dn: cn=User %05d,ou=Users,%s\n", i, suffix
			printf "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n"
			printf "cn: User %05d\nsn: %05d\ngivenName: User\n", i, i
			printf "displayName: User %05d\nsAMAccountName: %s\nmail: %s@example.org\n\n", i, id, id
		}
	}'
}

# A CA and a server certificate for localhost (openssl), into DIR.
ldap_make_certs() {
	command -v openssl >/dev/null 2>&1 || return 1
	_c=$1
	mkdir -p "$_c"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mbxrescue test CA" \
		-keyout "$_c/ca.key" -out "$_c/ca.pem" >/dev/null 2>&1 || return 1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout "$_c/server.key" -out "$_c/server.csr" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$_c/ext.cnf"
	openssl x509 -req -in "$_c/server.csr" -CA "$_c/ca.pem" -CAkey "$_c/ca.key" \
		-CAcreateserial -days 2 -extfile "$_c/ext.cnf" -out "$_c/server.pem" >/dev/null 2>&1 || return 1
	chmod 600 "$_c/server.key"
}
