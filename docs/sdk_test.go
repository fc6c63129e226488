package docs_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgentest"
)

// TestReadmeGoSDK runs the README's Go SDK snippet as a program, twice,
// against a real `mvgen serve`: as a user pastes it into a main function
// with a ctx and an out file, and runs it again. Both runs must upload,
// generate and download a video (issue 23: the snippet's fixed
// IdempotencyKey made its second run answer 409). The snippet's elided
// handler (`{ … }`) becomes an exit.
func TestReadmeGoSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("renders two videos")
	}
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snippet, line := goSnippet(t, string(src), "## Go SDK")
	if !strings.Contains(snippet, `"http://127.0.0.1:8080"`) {
		t.Fatalf("README.md:%d: the Go snippet no longer names http://127.0.0.1:8080, which the test replaces", line)
	}

	bin := mvgentest.Binary(t)
	work := t.TempDir()
	data := filepath.Join(work, "data")
	out, err := exec.Command(bin, "keys", "create", "--name", "sdk", "--json", "--data", data).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey string }
	if err := json.Unmarshal(out, &key); err != nil || key.APIKey == "" {
		t.Fatalf("keys create --json printed %q", out)
	}
	base := serve(t, bin, data)

	program := "package main\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/mvgen/mvgen/client\"\n)\n\n" +
		"func main() {\n\tctx := context.Background()\n\tout, err := os.Create(os.Args[1])\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tdefer out.Close()\n" +
		"//line README.md:" + strconv.Itoa(line) + "\n" +
		strings.NewReplacer(`"http://127.0.0.1:8080"`, `"`+base+`"`, "{ … }", "{ os.Exit(3) }").Replace(snippet) +
		"\tif err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}\n\tfmt.Println(n, \"bytes\")\n}\n"
	dir := filepath.Join(work, "sdk")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(program), 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "sdk")
	build := exec.Command("go", "build", "-o", exe, filepath.Join(dir, "main.go"))
	build.Dir = root // the module's client package
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go snippet does not build: %v\n%s\nthe program:\n%s", err, b, program)
	}
	song := filepath.Join(dir, "song.mp3")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=2", song).CombinedOutput(); err != nil {
		t.Fatalf("making song.mp3: %v\n%s", err, b)
	}
	for run := 1; run <= 2; run++ {
		video := filepath.Join(dir, "video"+strconv.Itoa(run)+".mp4")
		cmd := exec.Command(exe, video)
		cmd.Dir = dir // it opens song.mp3
		cmd.Env = append(os.Environ(), "MVGEN_KEY="+key.APIKey)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run %d of the README's Go snippet: %v\n%s", run, err, b)
		}
		if fi, err := os.Stat(video); err != nil || fi.Size() == 0 {
			t.Fatalf("run %d: no video written (%v): %s", run, err, b)
		}
		t.Logf("run %d: %s", run, strings.TrimSpace(string(b)))
	}
}

// goSnippet returns the first go block after the heading and the README
// line of its first line.
func goSnippet(t *testing.T, src, heading string) (string, int) {
	t.Helper()
	lines := strings.Split(src, "\n")
	in, start := false, 0
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, heading):
			in = true
		case in && start == 0 && strings.TrimSpace(l) == "```go":
			start = i + 1
		case start > 0 && strings.TrimSpace(l) == "```":
			return strings.Join(lines[start:i], "\n") + "\n", start + 1
		}
	}
	t.Fatalf("README.md: no go block after %q", heading)
	return "", 0
}

var serving = regexp.MustCompile(`msg="mvgen serving" url=(\S+)`)

// serve runs `mvgen serve` on data and returns its URL.
func serve(t *testing.T, bin, data string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--rate-limit", "off")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := serving.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("mvgen serve did not start within 30s")
		return ""
	}
}
