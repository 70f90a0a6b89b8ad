package main

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
)

// profiledAs names the profiles of one page's measurement, such as
// "PostgreSQL-passport", when profiles are asked for.
func (l Limits) profiledAs(name string) Limits {
	if l.Profiles != "" {
		l.profileName = strings.ReplaceAll(name, "/", "-")
	}
	return l
}

// startProfiles profiles the process, load generator and server alike,
// while a page is measured: the server's share is found under
// net/http.(*conn).serve. It writes NAME.cpu.pprof and NAME.allocs.pprof,
// the allocations measured against a snapshot taken at the start (read
// them with go tool pprof -sample_index=alloc_space -base).
func startProfiles(limits Limits) (stop func() error, err error) {
	if limits.Profiles == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(limits.Profiles, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(limits.Profiles, limits.profileName)
	if err := writeHeapProfile(path + ".allocs-before.pprof"); err != nil {
		return nil, err
	}
	cpu, err := os.Create(path + ".cpu.pprof")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return errors.Join(cpu.Close(), writeHeapProfile(path+".allocs.pprof"))
	}, nil
}

func writeHeapProfile(path string) error {
	runtime.GC() // the profile counts allocations up to the last collection
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
}
