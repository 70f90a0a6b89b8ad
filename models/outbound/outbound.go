// Package outbound is the one way the service sends a request to an address
// a user gave it: a client's key set, a webhook endpoint. Such an address
// may name, or a name may later resolve to, a machine inside our own
// network; the far side may redirect, stall or answer without end. So the
// address is checked when the connection is dialled, after the name is
// looked up; redirects are refused; the answer's size and the time taken
// are capped; and every failure is told in words naming our rule, never in
// the far side's own words, which could tell an administrator what answers
// inside the network.
package outbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Reason is the kind of rule a request broke.
type Reason int

const (
	PrivateAddress Reason = iota + 1
	Redirected
	TooLarge
	TimedOut
	Unreachable
	NotSecure
)

// Refusal is a request refused or failed under one of our rules. Its text
// names the rule, in words for an administrator.
type Refusal struct {
	Reason Reason
	text   string
}

func (r *Refusal) Error() string { return r.text }

// Is lets errors.Is match a refusal by its reason alone.
func (r *Refusal) Is(target error) bool {
	other, ok := target.(*Refusal)
	return ok && other.Reason == r.Reason
}

// Refusals to compare with errors.Is.
var (
	ErrPrivateAddress = &Refusal{PrivateAddress, "the address is a private network address"}
	ErrRedirected     = &Refusal{Redirected, "it redirected, which is not allowed"}
	ErrTooLarge       = &Refusal{Reason: TooLarge}
	ErrTimedOut       = &Refusal{Reason: TimedOut}
	ErrUnreachable    = &Refusal{Unreachable, "it could not be reached"}
	ErrNotSecure      = &Refusal{NotSecure, "a secure connection could not be made"}
)

// Config sets a client's limits. Zero values take the defaults.
type Config struct {
	// AllowLoopback lets requests go to this machine, as the demo's own
	// receivers are. Every other private address is refused all the same.
	AllowLoopback bool
	Timeout       time.Duration // the whole exchange, answer read included
	DialTimeout   time.Duration
	TLSTimeout    time.Duration
	MaxBytes      int64 // the longest answer read
	// LookupHost resolves a name to its addresses; tests set it so that no
	// name leaves the machine. Literal addresses and localhost never reach it.
	LookupHost func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Client sends requests under its Config's rules. It is safe for
// concurrent use and keeps connections for reuse.
type Client struct {
	config Config
	http   *http.Client
}

// New makes a client with config's limits.
func New(config Config) *Client {
	if config.Timeout == 0 {
		config.Timeout = 15 * time.Second
	}
	if config.DialTimeout == 0 {
		config.DialTimeout = 5 * time.Second
	}
	if config.TLSTimeout == 0 {
		config.TLSTimeout = 5 * time.Second
	}
	if config.MaxBytes == 0 {
		config.MaxBytes = 64 << 10
	}
	if config.LookupHost == nil {
		config.LookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	c := &Client{config: config}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the address check
		DialContext:           c.dial,
		TLSHandshakeTimeout:   config.TLSTimeout,
		ResponseHeaderTimeout: config.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	c.http = &http.Client{Transport: transport, Timeout: config.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return ErrRedirected }}
	return c
}

// Response is an answer: its status code and its body, read whole within
// the size limit. The far side's reason phrase and headers are not kept,
// but for those that say how long the answer may be kept (cachingHeaders).
type Response struct {
	StatusCode int
	Body       []byte
	Caching    http.Header
}

// cachingHeaders are the headers a Response keeps.
var cachingHeaders = []string{"Cache-Control", "Expires", "Date", "Age"}

// Do sends req and reads its answer. Every error it returns is a *Refusal.
func (c *Client) Do(req *http.Request) (*Response, error) {
	if err := checkForm(req.URL); err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.refusal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, c.config.MaxBytes+1))
	if err != nil {
		return nil, c.refusal(err)
	}
	if int64(len(body)) > c.config.MaxBytes {
		return nil, c.tooLarge()
	}
	caching := http.Header{}
	for _, name := range cachingHeaders {
		if values := res.Header.Values(name); len(values) > 0 {
			caching[name] = values
		}
	}
	return &Response{StatusCode: res.StatusCode, Body: body, Caching: caching}, nil
}

// Get fetches address.
func (c *Client) Get(ctx context.Context, address string, header http.Header) (*Response, error) {
	return c.send(ctx, http.MethodGet, address, header, nil)
}

// Post sends body to address.
func (c *Client) Post(ctx context.Context, address string, header http.Header, body []byte) (*Response, error) {
	return c.send(ctx, http.MethodPost, address, header, body)
}

func (c *Client) send(ctx context.Context, method, address string, header http.Header, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, address, bytes.NewReader(body))
	if err != nil {
		return nil, &Refusal{Unreachable, "the address is not valid"}
	}
	for name, values := range header {
		req.Header[name] = values
	}
	return c.Do(req)
}

func (c *Client) tooLarge() *Refusal {
	return &Refusal{TooLarge, fmt.Sprintf("the answer was larger than %d KB", c.config.MaxBytes>>10)}
}

func (c *Client) timedOut() *Refusal {
	seconds := int(c.config.Timeout.Seconds())
	if seconds == 1 {
		return &Refusal{TimedOut, "it did not answer within 1 second"}
	}
	return &Refusal{TimedOut, fmt.Sprintf("it did not answer within %d seconds", seconds)}
}

// refusal turns what went wrong into the rule it broke, dropping the far
// side's words.
func (c *Client) refusal(err error) *Refusal {
	var refused *Refusal
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &refused):
		return refused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return c.timedOut()
	case errors.As(err, &certErr), errors.As(err, &recordErr):
		return ErrNotSecure
	}
	return ErrUnreachable
}

// dial connects to the first address host:port resolves to that the rules
// allow. Names are looked up here, so that each connection is checked
// against what the name means now; the check itself is in allow, run by
// the dialer on the very address it connects to.
func (c *Client) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, ErrUnreachable
	}
	addrs, err := c.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: c.config.DialTimeout, Control: c.control}
	var firstErr error
	for _, addr := range addrs {
		conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(addr.String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil || errors.Is(err, ErrPrivateAddress) {
			firstErr = err
		}
	}
	if firstErr == nil {
		return nil, ErrUnreachable
	}
	return nil, firstErr
}

func (c *Client) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if addr, ok := ParseHost(host); ok {
		return []netip.Addr{addr}, nil
	}
	if isLocalhost(host) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}, nil
	}
	addrs, err := c.config.LookupHost(ctx, strings.TrimSuffix(host, "."))
	if err != nil || len(addrs) == 0 {
		return nil, ErrUnreachable
	}
	return addrs, nil
}

// control runs as each connection is made, on the address being connected
// to, after every name has been resolved.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	addrPort, err := netip.ParseAddrPort(address)
	if err != nil || !Allowed(addrPort.Addr(), c.config.AllowLoopback) {
		return ErrPrivateAddress
	}
	return nil
}

// Allowed reports whether a request may connect to addr: a public unicast
// address, or with allowLoopback this machine.
func Allowed(addr netip.Addr, allowLoopback bool) bool {
	addr = addr.Unmap()
	if allowLoopback && addr.IsLoopback() {
		return true
	}
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, prefix := range notPublic {
		if prefix.Contains(addr) {
			return false
		}
	}
	return true
}

// notPublic are the ranges, beyond those netip names, that are not
// ordinary addresses on the internet or that carry an IPv4 address inside
// an IPv6 one.
var notPublic = func() []netip.Prefix {
	var prefixes []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8",           // this network
		"100.64.0.0/10",       // carrier-grade NAT
		"192.0.0.0/24",        // protocol assignments
		"192.0.2.0/24",        // documentation
		"198.18.0.0/15",       // benchmarking
		"198.51.100.0/24",     // documentation
		"203.0.113.0/24",      // documentation
		"240.0.0.0/4",         // reserved, and the broadcast address
		"::/96",               // IPv4-compatible
		"64:ff9b::/96",        // NAT64, which reaches IPv4 addresses
		"64:ff9b:1::/48",      // local NAT64
		"100::/64",            // discard
		"2001::/23",           // protocol assignments, Teredo among them
		"2001:db8::/32",       // documentation
		"2002::/16",           // 6to4, which reaches IPv4 addresses
		"3fff::/20",           // documentation
		"fec0::/10",           // site-local
		"ff00::/8",            // multicast
		"::ffff:0:0:0/96",     // IPv4-translated
		"::ffff:0.0.0.0/96"} { // IPv4-mapped, should one escape Unmap
		prefixes = append(prefixes, netip.MustParsePrefix(p))
	}
	return prefixes
}()

// ParseHost reads a host that is an IP address, in any spelling that
// programs accept for one: IPv6, dotted IPv4, and the older forms with
// fewer parts, octal and hexadecimal ("127.1", "2130706433", "0177.0.0.1",
// "0x7f000001"), all of which reach 127.0.0.1.
func ParseHost(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.WithZone(""), true
	}
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var value uint64
	for i, part := range parts {
		n, err := strconv.ParseUint(part, 0, 32) // base from prefix: 0x hexadecimal, 0 octal
		if err != nil || part == "" || strings.ContainsAny(part, "_+-") {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 0xff {
				return netip.Addr{}, false
			}
			value = value<<8 | n
			continue
		}
		if n >= 1<<(8*(5-len(parts))) {
			return netip.Addr{}, false
		}
		value = value<<(8*(5-len(parts))) | n
	}
	return netip.AddrFrom4([4]byte{byte(value >> 24), byte(value >> 16), byte(value >> 8), byte(value)}), true
}

// isLocalhost reports whether host is a name for this machine, which is
// never asked of the network.
func isLocalhost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// CheckAddress checks the text of an address before anything is sent to
// it: https (or plain http where allowHTTP), no user name or password, no
// #fragment, and a host that is not written as a private address. A name
// is checked again each time it is looked up, when a request is sent. The
// error names the rule broken, in words to put after "The address ".
func CheckAddress(address string, allowHTTP, allowLoopback bool) error {
	u, err := url.Parse(address)
	if err != nil {
		return ErrNotAnAddress
	}
	if err := checkForm(u); err != nil {
		return err
	}
	if strings.Contains(address, "#") { // an empty fragment, which parsing drops
		return ErrFragment
	}
	if u.Scheme != "https" && !allowHTTP {
		return ErrNotHTTPS
	}
	host := u.Hostname()
	if addr, ok := ParseHost(host); ok && !Allowed(addr, allowLoopback) {
		return ErrPrivateAddress
	}
	if isLocalhost(host) && !allowLoopback {
		return ErrPrivateAddress
	}
	return nil
}

// checkForm refuses an address that is not a web address, or that carries
// a user name, a password or a #fragment: none is ever sent on our behalf.
func checkForm(u *url.URL) error {
	switch {
	case u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http"):
		return ErrNotAnAddress
	case u.User != nil:
		return ErrUserInfo
	case u.Fragment != "":
		return ErrFragment
	}
	return nil
}

// Refusals of an address's text.
var (
	ErrNotAnAddress = errors.New("the address is not a web address")
	ErrNotHTTPS     = errors.New("the address does not start with https://")
	ErrUserInfo     = errors.New("the address has a user name or password in it")
	ErrFragment     = errors.New("the address has a # part")
)
