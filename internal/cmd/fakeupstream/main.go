// Command fakeupstream runs the tests' fake upstream Suno-compatible API
// (internal/upstream/upstreamtest) for a while, to try `mvgen serve --upstream-url`
// locally without an account on a hosted service. It adds one finished
// music task of two tracks, and one finished song of two tracks made
// through the jobs API (read on GET /api/v1/jobs/recordInfo), and prints
// shell assignments to paste:
//
//	go run ./internal/cmd/fakeupstream -for 10m
//
// It is a development aid of the repository, not part of the mvgen binary.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

func main() {
	key := flag.String("key", "sk-fake-upstream-key", "the upstream API key the fake accepts")
	seconds := flag.Int("seconds", 20, "length of the fake's song")
	lifetime := flag.Duration("for", 10*time.Minute, "how long to run")
	flag.Parse()
	dir, err := os.MkdirTemp("", "fakeupstream-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	fake, err := upstreamtest.Start(dir, *key, *seconds)
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	music, audio := fake.AddTask("SUCCESS", "Morning Song", "Evening Song")
	jobsMusic, jobsAudio := fake.AddJobsTask("success", "Night City", "Iron Man")
	fmt.Printf("UPSTREAM=%s\nUPSTREAM_KEY=%s\nMUSIC=%s\nAUDIO=%s\nJOBS_MUSIC=%s\nJOBS_AUDIO=%s\n",
		fake.URL, fake.Key, music, audio[0], jobsMusic, jobsAudio[0])
	fmt.Fprintf(os.Stderr, "fake upstream serving for %v (second track: %s)\n", *lifetime, audio[1])
	time.Sleep(*lifetime)
}
