package main

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
)

// Capture is one real answer of the app, kept to be sent again.
type Capture struct {
	Status int
	Header http.Header
	Body   []byte
}

// CapturePage fetches a page as the session or grant with the given
// credential sees it.
func CapturePage(url string, credential Credential) (Capture, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return Capture{}, err
	}
	req.Header.Set(credential.Header, credential.Value)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return Capture{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return Capture{}, err
	}
	if res.StatusCode != http.StatusOK {
		return Capture{}, fmt.Errorf("%s answered %d", url, res.StatusCode)
	}
	return Capture{Status: res.StatusCode, Header: res.Header, Body: body}, nil
}

// ServeHTTP sends the captured answer: the same bytes with the same
// headers, only the date being today's, framed as the app framed it (a
// page too long to buffer goes in chunks, with no Content-Length). It is the fastest the page could
// be served by net/http, the yardstick for the app.
func (c Capture) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	header := w.Header()
	maps.Copy(header, c.Header)
	header.Del("Date")
	w.WriteHeader(c.Status)
	w.Write(c.Body)
}

// serveLoopback serves handler on a free port of this computer's loopback
// address, and gives back its address and what stops it.
func serveLoopback(handler http.Handler) (string, func(), error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	server := &http.Server{Handler: handler}
	go server.Serve(listener)
	return "http://" + listener.Addr().String(), func() { server.Close() }, nil
}
