package app

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The image cannot be built here, so this checks the Dockerfile against the
// Makefile and go.mod it must agree with.
func TestDockerfileBuildsAsTheMakefileDoes(t *testing.T) {
	dockerfile := readFile(t, "Dockerfile")
	makefile := readFile(t, "Makefile")
	gomod := readFile(t, "go.mod")
	stages := regexp.MustCompile(`(?m)^FROM `).Split(dockerfile, -1)[1:]
	if len(stages) < 3 {
		t.Fatalf("%d stages; want assets, program and the image itself", len(stages))
	}

	bin := regexp.MustCompile(`(?m)^BIN := (\S+)$`).FindStringSubmatch(makefile)
	build := regexp.MustCompile(`(?m)^\$\(BIN\):.*\n\t(go build .*)$`).FindStringSubmatch(makefile)
	npm := regexp.MustCompile(`(?m)^\t(npm ci .*)$`).FindStringSubmatch(makefile)
	if bin == nil || build == nil || npm == nil {
		t.Fatal("the Makefile no longer has BIN, its go build or its npm ci")
	}
	goBuild := strings.ReplaceAll(build[1], "$(BIN)", bin[1])
	for _, want := range []string{"RUN " + npm[1] + "\n", "RUN make assets\n", "RUN " + goBuild + "\n"} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("the Dockerfile lacks %q, as the Makefile runs it", strings.TrimSpace(want))
		}
	}
	var program string
	for _, stage := range stages {
		if strings.Contains(stage, "RUN "+goBuild) {
			program = stage
		}
	}
	if !regexp.MustCompile(`(?m)^ENV CGO_ENABLED=0$`).MatchString(program) {
		t.Error("the program is not built with CGO_ENABLED=0, so it would need a C library the image lacks")
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	if goVersion == nil || !strings.HasPrefix(program, "golang:"+goVersion[1]+"-") {
		t.Errorf("the program is not built with the Go go.mod names (%v): %s", goVersion, strings.SplitN(program, "\n", 2)[0])
	}

	image := stages[len(stages)-1]
	user := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(image)
	if user == nil || regexp.MustCompile(`^(root|0)(:|$)`).MatchString(user[1]) {
		t.Errorf("the image runs as %v; want a user with no rights", user)
	}
	if !strings.Contains(image, "COPY --from=program /src/"+bin[1]+" ") {
		t.Error("the image does not hold the program the build stage made")
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
