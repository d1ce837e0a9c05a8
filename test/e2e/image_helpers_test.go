package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
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
	"testing"
	"time"

	cstorage "github.com/containers/storage"
	stypes "github.com/containers/storage/types"
	"golang.org/x/crypto/bcrypt"
)

// authRegistry starts a second docker-registry that demands htpasswd
// basic auth for user/password on loopback. Distribution 2.8 accepts
// htpasswd over plain HTTP; with tls it serves HTTPS with a self-signed
// certificate for 127.0.0.1, returned as PEM in cert.
func authRegistry(t *testing.T, user, password string, withTLS bool) (addr string, cert []byte) {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry not installed")
	}
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err = freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	tlsConf, scheme := "", "http"
	client := http.DefaultClient
	if withTLS {
		var key []byte
		cert, key = selfSignedCert(t)
		certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if err := os.WriteFile(certFile, cert, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, key, 0o600); err != nil {
			t.Fatal(err)
		}
		tlsConf = fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\n", certFile, keyFile)
		scheme = "https"
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(cert)
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	conf := filepath.Join(dir, "config.yml")
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
auth:
  htpasswd:
    realm: pod-test
    path: %s
http:
  addr: %s
%s`, filepath.Join(dir, "data"), htpasswd, addr, tlsConf)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	for i := 0; i < 300; i++ {
		resp, err := client.Get(scheme + "://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return addr, cert
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("auth registry on %s did not come up:\n%s", addr, b)
	return "", nil
}

// selfSignedCert makes a certificate and key for 127.0.0.1, PEM-encoded.
func selfSignedCert(t *testing.T) (cert, key []byte) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// stallingProxy forwards to the suite's registry, but sends only half of
// every blob larger than 256 KiB and then holds the connection open. It
// reports on stalled when the first blob has stalled.
type stallingProxy struct {
	Addr    string
	stalled chan struct{}
	once    sync.Once
	release chan struct{}
	mu      sync.Mutex
	stall   bool
}

func startStallingProxy(t *testing.T) *stallingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{Addr: l.Addr().String(), stalled: make(chan struct{}), release: make(chan struct{}), stall: true}
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		close(p.release)
		_ = srv.Close()
	})
	return p
}

// Pass lets every later request through whole.
func (p *stallingProxy) Pass() {
	p.mu.Lock()
	p.stall = false
	p.mu.Unlock()
}

func (p *stallingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp := forwardToRegistry(w, r)
	if resp == nil {
		return
	}
	defer resp.Body.Close()
	p.mu.Lock()
	stall := p.stall
	p.mu.Unlock()
	if !stall || r.Method != http.MethodGet || resp.ContentLength < 256<<10 || !isBlobPath(r.URL.Path) {
		_, _ = io.Copy(w, resp.Body)
		return
	}
	_, _ = io.CopyN(w, resp.Body, resp.ContentLength/2)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	p.once.Do(func() { close(p.stalled) })
	select {
	case <-r.Context().Done():
	case <-p.release:
	}
}

// forwardToRegistry sends r on to the suite's registry and writes the
// answer's status and headers to w, leaving its body to the caller (who
// closes it). On failure it answers 502 itself and returns nil.
func forwardToRegistry(w http.ResponseWriter, r *http.Request) *http.Response {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+suite.registry.Addr+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return nil
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return nil
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	return resp
}

func isBlobPath(path string) bool { return strings.Contains(path, "/blobs/") }

// storageContainer makes a container record in e's storage from image id,
// the way the container commands do, so image commands see the image in
// use. Root Envs only: the test process is not in the rootless user
// namespace.
func storageContainer(t *testing.T, e *Env, imageID string) string {
	t.Helper()
	st, err := cstorage.GetStore(stypes.StoreOptions{GraphRoot: e.Root, RunRoot: e.RunRoot, GraphDriverName: "overlay"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = st.Shutdown(true) }()
	c, err := st.CreateContainer("", nil, imageID, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
