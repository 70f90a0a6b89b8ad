package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkThreads are the load generator's threads: one a core of this
// computer's two, as wrk's own guidance has it; each sends from half the
// connections and half the sessions.
const wrkThreads = 2

// wrkScript gives each of wrk's threads its share of the credentials (a
// session's cookie or a system's token, in the header named), sends each
// request with the next of them, and prints what was measured as one
// line for MeasureWithWrk to read.
const wrkScript = `
local credentials = {%s}
local threads = 0
function setup(thread)
  thread:set("first", threads + 1)
  threads = threads + 1
end
function init(args)
  mine = {}
  for i = first, #credentials, %d do mine[#mine + 1] = credentials[i] end
  sent = 0
end
function request()
  sent = sent %% #mine + 1
  return wrk.format("GET", nil, { [%s] = mine[sent] })
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("measured %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`

// MeasureWithWrk measures as Measure does, with wrk as the load generator:
// a program of its own, in C, so that this process's processor time is
// the server's alone and the static server's rate is not capped by Go's
// HTTP client. It keeps one connection a session and stops at the time
// limit (wrk has no limit on requests).
func MeasureWithWrk(url string, credentials []Credential, limits Limits) (Result, error) {
	quoted := make([]string, len(credentials))
	for i, credential := range credentials {
		quoted[i] = strconv.Quote(credential.Value)
	}
	script, err := os.CreateTemp("", "passport-load-*.lua")
	if err != nil {
		return Result{}, err
	}
	defer os.Remove(script.Name())
	fmt.Fprintf(script, wrkScript, strings.Join(quoted, ", "), wrkThreads, strconv.Quote(credentials[0].Header))
	if err := script.Close(); err != nil {
		return Result{}, err
	}
	var output bytes.Buffer
	wrk := exec.Command("wrk", "-t", strconv.Itoa(min(wrkThreads, len(credentials))), "-c", strconv.Itoa(len(credentials)),
		"-d", fmt.Sprintf("%ds", max(1, int(limits.Duration.Seconds()))), "--timeout", "30s", "-s", script.Name(), url)
	wrk.Stdout, wrk.Stderr = &output, &output
	cpuBefore := processCPU()
	if err := wrk.Run(); err != nil {
		return Result{}, fmt.Errorf("wrk: %w: %s", err, output.String())
	}
	cpu := processCPU() - cpuBefore
	result, err := parseWrk(output.String())
	result.CPU = cpu
	return result, err
}

// parseWrk reads the line the script prints: requests, microseconds
// elapsed, failures, and the median and 99th percentile in microseconds.
func parseWrk(output string) (Result, error) {
	lines := bufio.NewScanner(strings.NewReader(output))
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) != 6 || fields[0] != "measured" {
			continue
		}
		var numbers [5]int64
		for i := range numbers {
			n, err := strconv.ParseInt(fields[i+1], 10, 64)
			if err != nil {
				return Result{}, fmt.Errorf("wrk printed %q", lines.Text())
			}
			numbers[i] = n
		}
		failures := int(numbers[2])
		return Result{Requests: int(numbers[0]) - failures, Failures: failures, Elapsed: time.Duration(numbers[1]) * time.Microsecond,
			P50: time.Duration(numbers[3]) * time.Microsecond, P99: time.Duration(numbers[4]) * time.Microsecond}, nil
	}
	return Result{}, errors.New("wrk measured nothing: " + output)
}
