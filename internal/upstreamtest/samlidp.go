package upstreamtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SimpleSAMLphpDir is where Debian installs SimpleSAMLphp (apt-get
// install simplesamlphp php-xml php-mbstring).
const SimpleSAMLphpDir = "/usr/share/simplesamlphp"

// The login page of SimpleSAMLphp's exampleauth:UserPass source, which
// Chromium fills in.
const (
	IdPLabelUsername = "Username"
	IdPLabelPassword = "Password"
	IdPButtonLogin   = "Login"
)

// SAML attribute names SimpleSAMLphp sends (its name2oid attribute map:
// the URIs of the eduPerson/inetOrgPerson schemas, NameFormat uri).
const (
	AttrUID         = "urn:oid:0.9.2342.19200300.100.1.1"
	AttrMail        = "urn:oid:0.9.2342.19200300.100.1.3"
	AttrDisplayName = "urn:oid:2.16.840.1.113730.3.1.241"
	AttrIsMemberOf  = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"
)

// SP is a service provider the IdP knows.
type SP struct {
	EntityID string
	ACSURL   string
}

// SAMLIdP is a running SimpleSAMLphp identity provider.
type SAMLIdP struct {
	URL         string // http://127.0.0.1:PORT
	EntityID    string // its entity ID (URL + /saml2/idp/metadata.php)
	MetadataURL string
	// Metadata is its metadata XML, as it serves it.
	Metadata []byte

	dir  string
	mu   sync.Mutex
	logs strings.Builder
	sps  []SP
}

// AddSP makes sp known to the IdP (SimpleSAMLphp reads its metadata at
// every request).
func (s *SAMLIdP) AddSP(sp SP) error {
	s.mu.Lock()
	s.sps = append(s.sps, sp)
	body := spRemotePHP(s.sps)
	s.mu.Unlock()
	return os.WriteFile(filepath.Join(s.dir, "metadata", "saml20-sp-remote.php"), []byte(body), 0o600)
}

// NewSAMLIdP runs SimpleSAMLphp under PHP's built-in server with users
// (groups as isMemberOf) and the service providers sps, signing responses
// and assertions with a fresh RSA key (rsa-sha256), sending attributes by
// URI, and a persistent NameID derived from the uid. It stops when tb
// ends, and fails tb when PHP or SimpleSAMLphp is missing.
func NewSAMLIdP(tb testing.TB, users []User, sps ...SP) *SAMLIdP {
	tb.Helper()
	php, err := exec.LookPath("php")
	if err != nil {
		tb.Fatalf("upstreamtest: php is needed to run SimpleSAMLphp (apt-get install php-cli php-xml php-mbstring simplesamlphp): %v", err)
	}
	if _, err := os.Stat(filepath.Join(SimpleSAMLphpDir, "www", "saml2", "idp", "SSOService.php")); err != nil {
		tb.Fatalf("upstreamtest: SimpleSAMLphp is needed at %s (apt-get install simplesamlphp): %v", SimpleSAMLphpDir, err)
	}
	if out, err := exec.Command(php, "-r", "new DOMDocument(); mb_strlen('x');").CombinedOutput(); err != nil {
		tb.Fatalf("upstreamtest: SimpleSAMLphp needs PHP's xml and mbstring extensions (apt-get install php-xml php-mbstring): %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // php binds it; the port is ours unless another test races for it, which the readiness check catches
	idp := &SAMLIdP{URL: "http://" + addr, dir: tb.TempDir(), sps: sps}
	idp.EntityID = idp.URL + "/saml2/idp/metadata.php"
	idp.MetadataURL = idp.EntityID
	if err := idp.writeConfig(users, sps); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(php, "-S", addr, "-t", filepath.Join(SimpleSAMLphpDir, "www"))
	cmd.Env = append(os.Environ(), "SIMPLESAMLPHP_CONFIG_DIR="+filepath.Join(idp.dir, "config"))
	cmd.Stdout, cmd.Stderr = idp, idp
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("SimpleSAMLphp log:\n%s", idp.Logs())
		}
	})
	idp.Metadata = idp.waitReady(tb)
	return idp
}

// Write collects the server's output.
func (s *SAMLIdP) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logs.Len() < 1<<20 {
		s.logs.Write(p)
	}
	return len(p), nil
}

// Logs returns what SimpleSAMLphp logged.
func (s *SAMLIdP) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

func (s *SAMLIdP) waitReady(tb testing.TB) []byte {
	tb.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(s.MetadataURL)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(b), "IDPSSODescriptor") {
				return b
			}
			last = fmt.Sprintf("%s: %.300s", resp.Status, b)
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("upstreamtest: SimpleSAMLphp did not serve its metadata at %s: %s\n%s", s.MetadataURL, last, s.Logs())
	return nil
}

func (s *SAMLIdP) writeConfig(users []User, sps []SP) error {
	for _, d := range []string{"config", "metadata", "cert", "data", "tmp", "sessions", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o700); err != nil {
			return err
		}
	}
	if err := writeKeyPair(filepath.Join(s.dir, "cert")); err != nil {
		return err
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	files := map[string]string{
		"config/config.php": fmt.Sprintf(configPHP, s.URL+"/", s.dir, hex.EncodeToString(salt)),
		"config/authsources.php": "<?php\n$config = [\n  'admin' => ['core:AdminPassword'],\n  'example-userpass' => ['exampleauth:UserPass',\n" +
			usersPHP(users) + "  ],\n];\n",
		"metadata/saml20-idp-hosted.php": idpHostedPHP,
		"metadata/saml20-sp-remote.php":  spRemotePHP(sps),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(body), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// php quotes s as a PHP single-quoted string.
func php(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func usersPHP(users []User) string {
	var b strings.Builder
	for _, u := range users {
		groups := make([]string, 0, len(u.Groups))
		for _, g := range u.Groups {
			groups = append(groups, php(g))
		}
		name := strings.TrimSpace(u.GivenName + " " + u.FamilyName)
		fmt.Fprintf(&b, "    %s => ['uid' => [%s], 'mail' => [%s], 'displayName' => [%s], 'isMemberOf' => [%s]],\n",
			php(u.Username+":"+u.Password), php(u.Username), php(u.Email), php(name), strings.Join(groups, ", "))
	}
	return b.String()
}

func spRemotePHP(sps []SP) string {
	var b strings.Builder
	b.WriteString("<?php\n")
	for _, sp := range sps {
		fmt.Fprintf(&b, `$metadata[%s] = [
  'AssertionConsumerService' => %s,
  'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  'saml20.sign.response' => true,
  'saml20.sign.assertion' => true,
  'authproc' => [
    10 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid'],
    90 => ['class' => 'core:AttributeMap', 'name2oid'],
  ],
];
`, php(sp.EntityID), php(sp.ACSURL))
	}
	return b.String()
}

const configPHP = `<?php
$config = [
  'baseurlpath' => '%[1]s',
  'certdir' => '%[2]s/cert/',
  'loggingdir' => '%[2]s/log/',
  'datadir' => '%[2]s/data/',
  'tempdir' => '%[2]s/tmp',
  'metadatadir' => '%[2]s/metadata/',
  'attributenamemapdir' => '/etc/simplesamlphp/attributemap/',
  'secretsalt' => '%[3]s',
  'auth.adminpassword' => '%[3]s',
  'technicalcontact_name' => 'Test',
  'technicalcontact_email' => 'na@example.org',
  'timezone' => 'UTC',
  'enable.saml20-idp' => true,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
  'logging.level' => SimpleSAML\Logger::NOTICE,
  'logging.handler' => 'errorlog',
  'store.type' => 'phpsession',
  'session.phpsession.savepath' => '%[2]s/sessions',
  'session.cookie.secure' => false,
  'language.default' => 'en',
  'metadata.sources' => [['type' => 'flatfile']],
];
`

const idpHostedPHP = `<?php
$metadata['__DYNAMIC:1__'] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'example-userpass',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
`

// writeKeyPair writes the IdP's signing key and a self-signed certificate
// valid for a day.
func writeKeyPair(dir string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "upstreamtest SimpleSAMLphp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "idp.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "idp.key"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
}
