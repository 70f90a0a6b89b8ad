package outbound_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"healthpassport/models/outbound"
)

// noLookups fails a test that would ask the network for a name.
func noLookups(t *testing.T) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		t.Errorf("looked up %q", host)
		return nil, errors.New("no lookups in tests")
	}
}

// spellings of addresses inside the network, each of which a text check
// on 127.0.0.1 alone lets through.
var privateSpellings = []struct{ host, means string }{
	{"127.0.0.1", "127.0.0.1"},
	{"127.1", "127.0.0.1"},
	{"2130706433", "127.0.0.1"},
	{"0177.0.0.1", "127.0.0.1"},
	{"0x7f000001", "127.0.0.1"},
	{"0x7f.1", "127.0.0.1"},
	{"localhost.", "127.0.0.1"},
	{"LOCALHOST", "127.0.0.1"},
	{"api.localhost", "127.0.0.1"},
	{"[::1]", "::1"},
	{"[::ffff:127.0.0.1]", "::ffff:127.0.0.1"},
	{"[::ffff:7f00:1]", "::ffff:127.0.0.1"},
	{"169.254.169.254", "169.254.169.254"},
	{"10.0.0.1", "10.0.0.1"},
	{"10.1", "10.0.0.1"},
	{"172.16.5.4", "172.16.5.4"},
	{"192.168.1.1", "192.168.1.1"},
	{"0.0.0.0", "0.0.0.0"},
	{"0", "0.0.0.0"},
	{"[::]", "::"},
	{"100.64.0.1", "100.64.0.1"},
	{"[fd00::1]", "fd00::1"},
	{"[fe80::1]", "fe80::1"},
	{"224.0.0.1", "224.0.0.1"},
	{"255.255.255.255", "255.255.255.255"},
	{"[64:ff9b::7f00:1]", "64:ff9b::7f00:1"},
}

func TestEveryPrivateSpellingIsRefusedWhenDialled(t *testing.T) {
	for _, demo := range []bool{false, true} {
		// The live client would look names up; none of these is a name
		// that leaves the machine.
		client := outbound.New(outbound.Config{AllowLoopback: demo, LookupHost: noLookups(t), Timeout: 2 * time.Second})
		for _, spelling := range privateSpellings {
			if parsed, ok := outbound.ParseHost(strings.Trim(spelling.host, "[]")); ok && parsed.Unmap() != netip.MustParseAddr(spelling.means).Unmap() {
				t.Errorf("%s reads as %s; it means %s", spelling.host, parsed, spelling.means)
			}
			loopback := netip.MustParseAddr(spelling.means).Unmap().IsLoopback()
			_, err := client.Get(context.Background(), "https://"+spelling.host+":1/jwks", nil)
			switch {
			case demo && loopback:
				// The demo's receivers are on this machine: the request
				// goes out and finds nothing listening on port 1.
				if errors.Is(err, outbound.ErrPrivateAddress) {
					t.Errorf("demo: %s was refused as private", spelling.host)
				}
			case !errors.Is(err, outbound.ErrPrivateAddress) || err.Error() != "the address is a private network address":
				t.Errorf("demo %v: %s gave %v; want the private address rule", demo, spelling.host, err)
			}
		}
	}
}

// The text check is a courtesy to the person typing; the rule is kept when
// the connection is made, on the address a name resolves to, however the
// request got there.
func TestTheAddressIsCheckedWhenTheConnectionIsMade(t *testing.T) {
	var reached atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer receiver.Close()
	port := receiver.Listener.Addr().(*net.TCPAddr).Port
	for _, resolved := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.0.0.7", "169.254.169.254"} {
		client := outbound.New(outbound.Config{LookupHost: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr(resolved)}, nil
		}})
		_, err := client.Get(context.Background(), "https://keys.example.org:"+strconv.Itoa(port)+"/jwks", nil)
		if !errors.Is(err, outbound.ErrPrivateAddress) {
			t.Errorf("a name resolving to %s gave %v", resolved, err)
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the receiver was reached %d times", reached.Load())
	}
}

func TestAllowedAddresses(t *testing.T) {
	for _, c := range []struct {
		addr       string
		live, demo bool
	}{
		{"8.8.8.8", true, true},
		{"2a00:1450:4009:81f::200e", true, true},
		{"::ffff:8.8.8.8", true, true},
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.0.0.1", false, false},
		{"192.168.0.1", false, false},
		{"100.100.100.100", false, false},
		{"198.18.0.1", false, false},
		{"2002:7f00:1::", false, false},
	} {
		addr := netip.MustParseAddr(c.addr)
		if got := outbound.Allowed(addr, false); got != c.live {
			t.Errorf("Allowed(%s) live = %v", c.addr, got)
		}
		if got := outbound.Allowed(addr, true); got != c.demo {
			t.Errorf("Allowed(%s) demo = %v", c.addr, got)
		}
	}
}

func TestRedirectsAreRefusedAndNotFollowed(t *testing.T) {
	var followed atomic.Int32
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer inside.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inside.URL+"/jwks", http.StatusFound)
	}))
	defer redirector.Close()
	client := outbound.New(outbound.Config{AllowLoopback: true, LookupHost: noLookups(t)})
	_, err := client.Get(context.Background(), redirector.URL, nil)
	if !errors.Is(err, outbound.ErrRedirected) || err.Error() != "it redirected, which is not allowed" {
		t.Errorf("a redirect gave %v", err)
	}
	if followed.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

func TestAnswersAreCappedInSizeAndTime(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/large":
			_, _ = w.Write([]byte(strings.Repeat("x", 3<<10)))
		case "/fits":
			_, _ = w.Write([]byte(strings.Repeat("x", 2<<10)))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/secret":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("<html>Internal admin console</html>"))
		}
	}))
	defer server.Close()
	client := outbound.New(outbound.Config{AllowLoopback: true, MaxBytes: 2 << 10, Timeout: time.Second, LookupHost: noLookups(t)})
	if _, err := client.Get(context.Background(), server.URL+"/large", nil); !errors.Is(err, outbound.ErrTooLarge) || err.Error() != "the answer was larger than 2 KB" {
		t.Errorf("a large answer gave %v", err)
	}
	if res, err := client.Get(context.Background(), server.URL+"/fits", nil); err != nil || len(res.Body) != 2<<10 {
		t.Errorf("an answer at the limit gave %v", err)
	}
	started := time.Now()
	if _, err := client.Get(context.Background(), server.URL+"/slow", nil); !errors.Is(err, outbound.ErrTimedOut) || err.Error() != "it did not answer within 1 second" {
		t.Errorf("a slow answer gave %v", err)
	}
	if time.Since(started) > 3*time.Second {
		t.Errorf("waited %s for a slow answer", time.Since(started))
	}
	res, err := client.Get(context.Background(), server.URL+"/secret", nil)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a refusal gave %v", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := client.Get(context.Background(), closed.URL, nil); !errors.Is(err, outbound.ErrUnreachable) || err.Error() != "it could not be reached" {
		t.Errorf("nothing listening gave %v", err)
	}
}

func TestAddressTextRules(t *testing.T) {
	for _, c := range []struct {
		address   string
		allowHTTP bool
		want      error
	}{
		{"https://keys.example.org/jwks", false, nil},
		{"http://keys.example.org/jwks", true, nil},
		{"http://keys.example.org/jwks", false, outbound.ErrNotHTTPS},
		{"ftp://keys.example.org/jwks", true, outbound.ErrNotAnAddress},
		{"keys.example.org/jwks", true, outbound.ErrNotAnAddress},
		{"https://user:pw@keys.example.org/jwks", false, outbound.ErrUserInfo},
		{"https://user@keys.example.org/jwks", false, outbound.ErrUserInfo},
		{"https://keys.example.org/jwks#main", false, outbound.ErrFragment},
		{"https://keys.example.org/jwks#", false, outbound.ErrFragment},
		{"https://127.1/jwks", false, outbound.ErrPrivateAddress},
		{"https://2130706433/jwks", false, outbound.ErrPrivateAddress},
		{"https://0177.0.0.1/jwks", false, outbound.ErrPrivateAddress},
		{"https://0x7f000001/jwks", false, outbound.ErrPrivateAddress},
		{"https://localhost./jwks", false, outbound.ErrPrivateAddress},
		{"https://[::1]/jwks", false, outbound.ErrPrivateAddress},
		{"https://[::ffff:127.0.0.1]/jwks", false, outbound.ErrPrivateAddress},
		{"https://169.254.169.254/latest/meta-data", false, outbound.ErrPrivateAddress},
		{"https://10.2.3.4/jwks", false, outbound.ErrPrivateAddress},
		{"https://192.168.0.10/jwks", false, outbound.ErrPrivateAddress},
		{"https://0.0.0.0/jwks", false, outbound.ErrPrivateAddress},
	} {
		if err := outbound.CheckAddress(c.address, c.allowHTTP, false); !errors.Is(err, c.want) {
			t.Errorf("CheckAddress(%s) = %v; want %v", c.address, err, c.want)
		}
	}
	if err := outbound.CheckAddress("http://127.1:8080/hooks", true, true); err != nil {
		t.Errorf("the demo may name this machine: %v", err)
	}
	if err := outbound.CheckAddress("http://10.0.0.1/hooks", true, true); !errors.Is(err, outbound.ErrPrivateAddress) {
		t.Errorf("the demo may not name a private network: %v", err)
	}
}
