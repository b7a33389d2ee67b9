// Package twintest serves a twin over TLS for tests.
package twintest

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"castellan/twin/tlsca"
)

// ServeTLS serves h over TLS with a throwaway CA (closed when t ends) and
// returns the server, the CA and the server's TLS config.
func ServeTLS(t testing.TB, h http.Handler) (*httptest.Server, *tlsca.CA, *tls.Config) {
	t.Helper()
	ca, tlsCfg, err := tlsca.ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = tlsCfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, ca, tlsCfg
}
