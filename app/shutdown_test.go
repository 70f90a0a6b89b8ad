package app

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runAsCommand, set in a process's environment, makes this test binary the
// passport command, which main.go is no more than a call to Main: a test
// serves from a process of its own without building the command, which
// takes longer than the test itself.
const runAsCommand = "RUN_TEST_BINARY_AS_PASSPORT"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCommand) != "" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// passportCommand is this test binary, run as the passport command.
func passportCommand(t *testing.T) string {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runningPassport is "passport serve --demo" in a process of its own.
type runningPassport struct {
	cmd    *exec.Cmd
	addr   string
	stderr strings.Builder
	exited chan error
}

// startPassport serves the demo on a free port with an SQLite file of its
// own, and returns once it is answering.
func startPassport(t *testing.T, bin, grace string) *runningPassport {
	t.Helper()
	return serveDemo(t, bin, "PASSPORT_DATA_DIR="+t.TempDir(), "PASSPORT_DEMO_PASSWORD=shutdown-test", "PASSPORT_SHUTDOWN_GRACE="+grace)
}

// serveDemo serves the demo on a free port with the given environment, and
// returns once it is answering.
func serveDemo(t *testing.T, bin string, env ...string) *runningPassport {
	t.Helper()
	p := &runningPassport{exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve", "--demo", "--addr", "127.0.0.1:0")
	p.cmd.Env = append([]string{runAsCommand + "=1"}, env...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("passport stopped before serving: %s", p.stderr.String())
	}
	running := regexp.MustCompile(`running at http://(\S+)`).FindStringSubmatch(lines.Text())
	if running == nil {
		t.Fatalf("passport said %q; want the address it serves", lines.Text())
	}
	p.addr = running[1]
	go func() {
		io.Copy(io.Discard, stdout)
		p.exited <- p.cmd.Wait()
	}()
	return p
}

// startSlowSignIn opens a sign-in whose form arrives in two halves, as
// from a slow phone, and sends the first half: the request is in flight
// until the second half is sent. It asks to be told to continue before
// sending the form, so that it knows the server is reading it.
func startSlowSignIn(t *testing.T, p *runningPassport) (conn net.Conn, answers *bufio.Reader, secondHalf string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get("http://" + p.addr + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatal("no anti-forgery token on the sign-in page")
	}
	form := url.Values{"username": {"patient"}, "password": {"shutdown-test"}, "csrf_token": {string(token[1])},
		"submission_key": {rand.Text()}}.Encode()
	var cookies []string
	for _, c := range jar.Cookies(res.Request.URL) {
		cookies = append(cookies, c.String())
	}
	conn, err = net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /sign-in HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\nCookie: %s\r\nExpect: 100-continue\r\n\r\n", p.addr, len(form), strings.Join(cookies, "; "))
	answers = bufio.NewReader(conn)
	if res, err := http.ReadResponse(answers, nil); err != nil || res.StatusCode != http.StatusContinue {
		t.Fatalf("the sign-in was not read: %v %v", res, err)
	}
	half := len(form) / 2
	io.WriteString(conn, form[:half])
	return conn, answers, form[half:]
}

// waitUntilRefusing waits for the server to stop taking new connections.
func waitUntilRefusing(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		conn.Close()
	}
	t.Fatal("still taking new connections 5 seconds after SIGTERM")
}

func (p *runningPassport) waitForExit(t *testing.T, within time.Duration) (exitCode int) {
	t.Helper()
	select {
	case err := <-p.exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("still running %s after SIGTERM", within)
		return -1
	}
}

func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	bin := passportCommand(t)

	t.Run("within the grace period", func(t *testing.T) {
		p := startPassport(t, bin, "10s")
		conn, answers, secondHalf := startSlowSignIn(t, p)
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		waitUntilRefusing(t, p.addr)

		io.WriteString(conn, secondHalf)
		res, err := http.ReadResponse(answers, nil)
		if err != nil {
			t.Fatalf("the sign-in in flight got no answer: %v; %s", err, p.stderr.String())
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("the sign-in in flight answered %d; want 303, signed in", res.StatusCode)
		}
		if code := p.waitForExit(t, 5*time.Second); code != 0 {
			t.Errorf("exit code %d; want 0. It said: %s", code, p.stderr.String())
		}
	})

	t.Run("past the grace period", func(t *testing.T) {
		p := startPassport(t, bin, "1s")
		startSlowSignIn(t, p) // and never finish it
		stopping := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		code := p.waitForExit(t, 5*time.Second)
		if took := time.Since(stopping); took < time.Second {
			t.Errorf("stopped after %s; want the 1s grace period given to the request in flight", took)
		}
		if code != 1 || !strings.Contains(p.stderr.String(), "requests still running after 1s were cut off") {
			t.Errorf("exit code %d; want 1, saying the request was cut off. It said: %s", code, p.stderr.String())
		}
	})
}
