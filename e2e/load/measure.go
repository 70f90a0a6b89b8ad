package main

import (
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits bound one scenario: it stops at whichever comes first.
type Limits struct {
	Duration    time.Duration
	MaxRequests int
	Profiles    string // a folder to write profiles to, or none
	Hold        bool   // serve for an external load generator instead of measuring
	Wrk         bool   // sent by wrk rather than this program
	profileName string
}

func (l Limits) measure(url string, credentials []Credential) (Result, error) {
	if l.Wrk {
		return MeasureWithWrk(url, credentials, l)
	}
	return Measure(url, credentials, l), nil
}

// Result is what one scenario measured.
type Result struct {
	Requests int
	Failures int // answers other than 200, or no answer at all
	Elapsed  time.Duration
	P50, P99 time.Duration
	// CPU is the processor time this process spent, server and load
	// generator together, PostgreSQL's own processes aside. Unlike the
	// rate, it hardly changes when other work shares the computer.
	CPU time.Duration
}

// CPUPerRequest is the processor time this process spent on each request.
func (r Result) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// PerSecond is the rate of requests answered.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile is the latency that the given share (0 to 1) of the sorted
// latencies is at or under, by the nearest-rank method.
func Percentile(sorted []time.Duration, share float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(share * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Credential is the header that signs a worker's requests in: a session's
// Cookie, or a connected system's Authorization.
type Credential struct {
	Header, Value string
}

// Measure sends GET url from one worker per credential, over as many
// connections, each worker sending its next request as soon as the last is
// answered, and times every request. Each credential is a distinct
// signed-in session or grant, so no two workers share one. The workers
// start at the same instant.
func Measure(url string, credentials []Credential, limits Limits) Result {
	transport := &http.Transport{MaxIdleConnsPerHost: len(credentials), MaxConnsPerHost: len(credentials), DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	ctx, cancel := context.WithTimeout(context.Background(), limits.Duration)
	defer cancel()
	var sent atomic.Int64

	latencies := make([][]time.Duration, len(credentials))
	failures := make([]int, len(credentials))
	start := make(chan struct{})
	var done sync.WaitGroup
	for i, credential := range credentials {
		done.Go(func() {
			<-start
			for ctx.Err() == nil && sent.Add(1) <= int64(limits.MaxRequests) {
				began := time.Now()
				ok := get(ctx, client, url, credential)
				switch {
				case ok:
					latencies[i] = append(latencies[i], time.Since(began))
				case ctx.Err() == nil: // cut short by the end of the scenario is no failure
					failures[i]++
				}
			}
		})
	}
	cpuBefore := processCPU()
	began := time.Now()
	close(start)
	done.Wait()
	elapsed := time.Since(began)
	cpu := processCPU() - cpuBefore

	all := slices.Sorted(slices.Values(slices.Concat(latencies...)))
	result := Result{Requests: len(all), Elapsed: elapsed, P50: Percentile(all, 0.50), P99: Percentile(all, 0.99), CPU: cpu}
	for _, n := range failures {
		result.Failures += n
	}
	return result
}

// processCPU is the processor time, user and system, this process has used.
func processCPU() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// get reports whether the page answered 200 in full.
func get(ctx context.Context, client *http.Client, url string, credential Credential) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		panic(err) // the URLs are our own loopback servers'
	}
	req.Header.Set(credential.Header, credential.Value)
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return err == nil && res.StatusCode == http.StatusOK
}
