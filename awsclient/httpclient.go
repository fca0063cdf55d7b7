package awsclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// errNoCertificates is returned for a CA bundle with no PEM certificate.
var errNoCertificates = errors.New("CA bundle contains no PEM certificates")

// transportSettings are the Options that configure a transport: connect
// timeout, keep-alives and CA bundle.
type transportSettings struct {
	o      Options
	caPool *x509.CertPool
}

func (s transportSettings) any() bool {
	return s.o.ConnectTimeout > 0 || s.o.DisableKeepAlives || s.caPool != nil
}

func (s transportSettings) applyTransport(t *http.Transport) {
	if s.o.DisableKeepAlives {
		t.DisableKeepAlives = true
	}
	if s.caPool != nil {
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		} else {
			t.TLSClientConfig = t.TLSClientConfig.Clone()
		}
		t.TLSClientConfig.RootCAs = s.caPool
	}
	if s.o.ConnectTimeout > 0 {
		d := &net.Dialer{Timeout: s.o.ConnectTimeout, KeepAlive: 30 * time.Second}
		t.DialContext = d.DialContext
	}
}

// buildHTTPClient returns the client that sends requests: the configured
// one, adjusted by ConnectTimeout, DisableKeepAlives and the CA bundle
// where its type allows, or an aws-sdk-go-v2 BuildableClient.
func buildHTTPClient(o Options, caBundle []byte) (HTTPClient, error) {
	s := transportSettings{o: o}
	if len(caBundle) > 0 {
		s.caPool = x509.NewCertPool()
		if !s.caPool.AppendCertsFromPEM(caBundle) {
			return nil, errNoCertificates
		}
	}
	switch c := o.HTTPClient.(type) {
	case nil:
		return configureBuildable(awshttp.NewBuildableClient(), s), nil
	case *awshttp.BuildableClient:
		if !s.any() {
			return c, nil
		}
		return configureBuildable(c, s), nil
	case *http.Client:
		if !s.any() {
			return c, nil
		}
		var t *http.Transport
		switch rt := c.Transport.(type) {
		case nil:
			t = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			t = rt.Clone()
		default:
			return c, nil // an unknown RoundTripper is used as given
		}
		s.applyTransport(t)
		cc := *c
		cc.Transport = t
		return &cc, nil
	default:
		return c, nil
	}
}

func configureBuildable(b *awshttp.BuildableClient, s transportSettings) *awshttp.BuildableClient {
	if s.o.ConnectTimeout > 0 {
		b = b.WithDialerOptions(func(d *net.Dialer) { d.Timeout = s.o.ConnectTimeout })
	}
	if s.o.DisableKeepAlives || s.caPool != nil {
		s.o.ConnectTimeout = 0 // the dialer option above covers it
		b = b.WithTransportOptions(s.applyTransport)
	}
	return b
}
